/**
 * Renders runbook templates (`{{ dotted.path }}`, parsed by model/template.ts) against an
 * application's scope. Values are substituted once and never re-templated (pitfall 8): a
 * value containing `{{` stays literal text. Inside shell commands every value is quoted as
 * one word, and secrets are passed as environment variables rather than in argv.
 */
import type { ActionOutput } from "../actions/types.js";
import { posix } from "node:path";
import type { ActionKind } from "../model/runbook.js";
import { parseTemplate, TemplateSyntaxError } from "../model/template.js";
import { FerryError } from "../model/codes.js";
import { UnsafeValueError } from "../actions/shell-quote.js";
import { quoterFor, shellFor, ShellChoiceError, type ShellKind, type ShellOverride } from "../actions/shell/index.js";
import type { Host } from "../model/estate.js";

/**
 * A secret value in the scope: rendered into shell commands as a reference to the environment
 * variable `FERRY_SECRET_<NAME>` (`"$FERRY_SECRET_X"` on sh, `${env:FERRY_SECRET_X}` on PowerShell).
 */
export class SecretValue {
  constructor(
    readonly name: string,
    readonly value: string,
  ) {}
  /** Environment variable the secret travels in when used inside a shell command. */
  get envName(): string {
    return `FERRY_SECRET_${this.name.replace(/[^A-Za-z0-9_]/g, "_").toUpperCase()}`;
  }
  toJSON(): string {
    return "***";
  }
}

export type TemplateErrorCode = "template-unresolved" | "template-syntax" | "path-outside-project" | "invalid-spec";

/** A lookup problem: names the path and what was there instead. */
export class TemplateError extends FerryError {
  override name = "TemplateError";
  declare readonly code: TemplateErrorCode;
  constructor(message: string, code: TemplateErrorCode = "template-unresolved") {
    super(code, message);
  }
}

/** What templates can see. */
export interface RenderScope {
  /** Top-level names: `app`, `inputs`, each input by name, `env`. */
  values: Record<string, unknown>;
  /**
   * Step outputs by step id. Absent while checking before the run: then `steps.<id>` lookups
   * are only checked against `visibleSteps`.
   */
  outputs?: ReadonlyMap<string, ActionOutput>;
  /** Steps whose outputs this template may use (those that must have finished before it). */
  visibleSteps: ReadonlySet<string>;
  /** The `os` of an estate host, so an ssh step's `run` is quoted for the shell of its host. */
  hostOs?: (id: string) => Host["os"] | undefined;
}

/** Fields that a shell interprets, per action kind. */
const SHELL_FIELDS: Partial<Record<ActionKind, string[]>> = { ssh: ["run"], local: ["run"] };

/** Fields that name a path on the machine running ferry, per action kind (for copy, by direction). */
function localPathFields(kind: ActionKind, spec: unknown): string[] {
  if (kind === "local") return ["cwd"];
  if (kind === "http") return ["ca"];
  if (kind === "copy") return (spec as { direction?: string }).direction === "download" ? ["to"] : ["from"];
  return [];
}

/**
 * A local path whose template substitutes values must stay inside the directory the runbook
 * itself names before the first `{{`: the text up to its last `/` (`/srv/drop/{{ x }}` →
 * /srv/drop), or the project directory when that is relative or empty (`{{ x }}`, `dist/{{ x }}`).
 * So a value can pick a file, never leave for `../../etc/hostname` or become `/etc`. A path
 * written whole in the runbook, with no `{{`, is the runbook's own choice and is not checked.
 */
export function checkLocalPath(template: string, rendered: string): string | undefined {
  const first = template.indexOf("{{");
  if (first < 0) return undefined;
  const literal = template.slice(0, first);
  const base = literal.slice(0, literal.lastIndexOf("/") + 1);
  const path = posix.normalize(rendered);
  if (posix.isAbsolute(base)) {
    const root = posix.normalize(base);
    if (root === "/") return `is "${rendered}": a value may not choose an absolute path; name its folder in the runbook (e.g. /srv/drop/{{ … }})`;
    const inside = posix.relative(root, posix.resolve(root, path));
    if (inside.startsWith("..") || posix.isAbsolute(inside)) return `is "${rendered}", outside ${root}, the folder the runbook names for it`;
    return undefined;
  }
  if (posix.isAbsolute(path)) return `is "${rendered}": a value may not make a path absolute; local paths from values stay inside the project`;
  if (path === ".." || path.startsWith("../")) return `is "${rendered}", outside the project directory; local paths from values stay inside the project`;
  return undefined;
}

export interface RenderedString {
  text: string;
  /** Environment variables the text refers to: the secrets, and on cmd every value. */
  secretEnv: Record<string, string>;
  /** Secrets whose value went into `text` (outside shell fields): such text is itself secret. */
  secrets?: SecretValue[];
}

/**
 * Render one template string. With `shell` (`true` is POSIX sh) every value is quoted as one
 * word of that shell, for the place in the command where it lands (see actions/shell/).
 */
export function renderString(template: string, scope: RenderScope, shell: boolean | ShellKind): RenderedString {
  if (!template.includes("{{") && !template.includes("}}")) return { text: template, secretEnv: {} };
  const quoter = shell === false ? undefined : quoterFor(shell === true ? "sh" : shell);
  let parts;
  try {
    parts = parseTemplate(template);
  } catch (err) {
    if (err instanceof TemplateSyntaxError) throw new TemplateError(err.message, "template-syntax");
    throw err;
  }
  const secretEnv: Record<string, string> = {};
  const secrets: SecretValue[] = [];
  let text = "";
  for (const part of parts) {
    if (part.kind === "text") {
      text += part.text;
      quoter?.text(part.text);
      continue;
    }
    const value = lookup(part.path, scope);
    if (value instanceof SecretValue) {
      if (quoter) {
        secretEnv[value.envName] = value.value;
        try {
          text += quoter.secret(value.envName, value.value);
        } catch (err) {
          if (err instanceof UnsafeValueError) throw new TemplateError(`{{ ${part.raw} }} ${err.message}`);
          throw err;
        }
      } else {
        text += value.value;
        secrets.push(value);
      }
      continue;
    }
    const str = scalar(value, part.raw);
    if (quoter) {
      try {
        text += quoter.value(str);
      } catch (err) {
        if (err instanceof UnsafeValueError) throw new TemplateError(`{{ ${part.raw} }} ${err.message}`);
        throw err;
      }
    } else {
      if (str.includes("\0")) throw new TemplateError(`{{ ${part.raw} }} contains a NUL byte`);
      text += str;
    }
  }
  if (quoter) Object.assign(secretEnv, quoter.env());
  return secrets.length > 0 ? { text, secretEnv, secrets } : { text, secretEnv };
}

/** Placeholder used while checking templates before step outputs exist. */
const NOT_YET = Symbol("output known at run time");

function lookup(path: string[], scope: RenderScope): unknown {
  const [head, ...rest] = path as [string, ...string[]];
  if (head === "steps") return lookupStep(path, scope);
  // Own names only: `__proto__` or `constructor` must name nothing, as `ferry validate` says.
  if (!Object.hasOwn(scope.values, head)) {
    const known = Object.keys(scope.values).sort().join(", ");
    throw new TemplateError(`{{ ${path.join(".")} }} names nothing: "${head}" is not app, env, steps or an input (known: ${known})`);
  }
  return walk(scope.values[head], rest, path, 1);
}

function lookupStep(path: string[], scope: RenderScope): unknown {
  const [, id, outputs, ...rest] = path;
  if (!id || outputs !== "outputs" || rest.length === 0) {
    throw new TemplateError(`{{ ${path.join(".")} }} must read steps.<id>.outputs.<name>`);
  }
  if (!scope.visibleSteps.has(id)) {
    throw new TemplateError(`{{ ${path.join(".")} }} refers to step "${id}", which does not run before this point (add it to needs, or move it earlier)`);
  }
  if (!scope.outputs) return NOT_YET;
  const out = scope.outputs.get(id);
  if (!out) throw new TemplateError(`{{ ${path.join(".")} }}: step "${id}" recorded no outputs`);
  const [name, ...more] = rest as [string, ...string[]];
  // `outputs.<name>` reads the action's own fields first, then the parsed JSON of stdout.
  if (Object.hasOwn(out, name)) return walk(out[name], more, path, 4);
  if (out.json !== null && typeof out.json === "object" && Object.hasOwn(out.json, name)) {
    return walk((out.json as Record<string, unknown>)[name], more, path, 4);
  }
  throw new TemplateError(`{{ ${path.join(".")} }}: step "${id}" has no output "${name}" (has: ${Object.keys(out).sort().join(", ")})`);
}

function walk(value: unknown, rest: string[], path: string[], depth: number): unknown {
  let cur = value;
  for (let i = 0; i < rest.length; i++) {
    if (cur === NOT_YET) return NOT_YET;
    const key = rest[i]!;
    const where = path.slice(0, depth + i).join(".");
    if (Array.isArray(cur)) {
      const idx = /^\d+$/.test(key) ? Number(key) : NaN;
      if (!(idx < cur.length)) throw new TemplateError(`{{ ${path.join(".")} }} names nothing: ${where} has ${cur.length} item(s), no "${key}"`);
      cur = cur[idx];
    } else if (cur !== null && typeof cur === "object" && !(cur instanceof SecretValue)) {
      if (!Object.hasOwn(cur, key) || (cur as Record<string, unknown>)[key] === undefined) {
        throw new TemplateError(
          `{{ ${path.join(".")} }} names nothing: ${where} has no "${key}" (has: ${Object.keys(cur).sort().join(", ")})`,
        );
      }
      cur = (cur as Record<string, unknown>)[key];
    } else {
      throw new TemplateError(`{{ ${path.join(".")} }} names nothing: ${where} is a value, not a record`);
    }
  }
  if (cur === undefined || cur === null) throw new TemplateError(`{{ ${path.join(".")} }} names nothing (no value)`);
  return cur;
}

function scalar(value: unknown, raw: string): string {
  if (value === NOT_YET) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const hint =
    value !== null && typeof value === "object" && "address" in value ? ` (write {{ ${raw}.id }} or {{ ${raw}.address }})` : "";
  throw new TemplateError(`{{ ${raw} }} is a record, not a value${hint}`);
}

/** An action spec with every template resolved. */
export interface RenderedSpec<S = unknown> {
  spec: S;
  /** The rendered shell command (ssh/local), for display and the journal. */
  command?: string;
}

/**
 * Render every string in an action spec. Shell fields are quoted, secrets referenced in them
 * travel through `env` (merged into the spec's own `env`).
 */
export function renderSpec<S>(kind: ActionKind, spec: S, scope: RenderScope): RenderedSpec<S> {
  const shellFields = SHELL_FIELDS[kind] ?? [];
  const pathFields = localPathFields(kind, spec);
  const secretEnv: Record<string, string> = {};
  const shellKind = kind === "ssh" ? sshShell(spec, scope) : "sh";
  const visit = (value: unknown, key: string | undefined, top: boolean, where: string): unknown => {
    if (typeof value === "string") {
      const shell = top && key !== undefined && shellFields.includes(key) ? shellKind : false;
      try {
        const r = renderString(value, scope, shell);
        Object.assign(secretEnv, r.secretEnv);
        if (top && key !== undefined && pathFields.includes(key)) {
          const problem = checkLocalPath(value, r.text);
          // A path holding a secret is not quoted back in the message.
          if (problem) throw new TemplateError(r.secrets ? "local path made from a secret (not shown) leaves the folder the runbook names for it" : `local path ${problem}`, "path-outside-project");
        }
        return r.text;
      } catch (err) {
        if (err instanceof TemplateError) throw new TemplateError(`${where}: ${err.message}`, err.code);
        throw err;
      }
    }
    if (Array.isArray(value)) return value.map((v, i) => visit(v, undefined, false, `${where}[${i}]`));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = visit(v, k, value === spec, where ? `${where}.${k}` : k);
      return out;
    }
    return value;
  };
  const rendered = visit(spec, undefined, false, kind) as S;
  let command: string | undefined;
  if (shellFields.length > 0 && rendered !== null && typeof rendered === "object") {
    const r = rendered as Record<string, unknown>;
    command = typeof r.run === "string" ? r.run : undefined;
    if (Object.keys(secretEnv).length > 0) r.env = { ...(r.env as Record<string, string> | undefined), ...secretEnv };
  }
  return { spec: rendered, command };
}

/**
 * The shell an ssh step's `run` is written for: its `host` rendered first (plain text), then
 * the host's `os` and the step's `shell:` (actions/shell/shellFor, as the ssh action decides).
 */
function sshShell(spec: unknown, scope: RenderScope): ShellKind {
  const s = spec as { host?: unknown; shell?: ShellOverride; sudo?: unknown };
  if (typeof s.host !== "string") return "sh";
  let host: string;
  try {
    host = renderString(s.host, scope, false).text;
  } catch (err) {
    if (err instanceof TemplateError) throw new TemplateError(`ssh.host: ${err.message}`, err.code);
    throw err;
  }
  try {
    const shell = shellFor(scope.hostOs?.(host), s.shell, host);
    if (s.sudo && (shell === "powershell" || shell === "cmd")) {
      throw new ShellChoiceError(`sudo on ${host}, a Windows host: Windows has no sudo over OpenSSH`, "Log in as an account with the rights the step needs (an administrator's OpenSSH session is already elevated) and remove sudo.");
    }
    return shell;
  } catch (err) {
    if (err instanceof ShellChoiceError) throw new TemplateError(`ssh: ${err.message}. ${err.hint}`, "invalid-spec");
    throw err;
  }
}

/** What renderFor reads of a prepared action (a PreparedAction has it). */
export interface RenderableAction {
  kind: ActionKind;
  /** The spec as written in the runbook. */
  template: unknown;
  /** Steps whose outputs the action may read. */
  visibleSteps: ReadonlySet<string>;
}

/** What renderFor reads of a prepared application (a PreparedApp has it): its scope minus step outputs. */
export interface RenderableApp {
  values: Record<string, unknown>;
  /** The `os` of an estate host (ssh steps are quoted for their host's shell); sh when absent. */
  hostOs?: (id: string) => Host["os"] | undefined;
}

/**
 * Render one action of an application: the one place a step's spec is rendered, so the engine
 * (before and during a run) and the dry run see the same scope. Without `outputs` (before the
 * run, or a dry run) references to step outputs are only checked, and render as empty text.
 * The parameters are structural so this module needs nothing from prepare.ts, which imports it.
 *
 * @example
 * const { spec, command } = renderFor(app, step.action); // dry run: no step outputs yet
 * const { spec } = renderFor(run.prepared, step.action, run.outputs);
 */
export function renderFor(app: RenderableApp, action: RenderableAction, outputs?: ReadonlyMap<string, ActionOutput>): RenderedSpec {
  return renderSpec(action.kind, action.template, { values: app.values, outputs, visibleSteps: action.visibleSteps, ...(app.hostOs ? { hostOs: app.hostOs } : {}) });
}
