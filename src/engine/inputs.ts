/**
 * Typed runbook inputs for one application: from its `params`, else the input's default
 * (which may itself be a template over `app`, `env` and earlier inputs), resolved against the
 * estate (`host` → the host record, `site` → the site record). Secrets come from the
 * operator's environment and are registered for redaction.
 */
import type { Application, Estate, Host, Site } from "../model/estate.js";
import type { EnvSecrets, Runbook } from "../model/runbook.js";
import { checkPrefix } from "../model/common.js";
import { looksSecret, MIN_SECRET_LENGTH } from "./redact.js";
import { renderString, SecretValue, TemplateError } from "./render.js";

/** The scope every template of an application sees, minus step outputs. */
export interface AppScope {
  values: Record<string, unknown>;
  /** Secret values by the environment variable they travel in (FERRY_SECRET_<NAME>): for the redactor and ActionContext.secrets. */
  secrets: Map<string, string>;
}

/** What an application looks like to templates: its hosts as records, its source site. */
export function appView(app: Application, estate: Estate): Record<string, unknown> {
  const hosts = app.hosts.map((id) => estate.hosts.find((h) => h.id === id) ?? { id });
  const siteId = (hosts[0] as Partial<Host> | undefined)?.site;
  const site = estate.sites.find((s) => s.id === siteId);
  // No `site` key without a site: templates list the keys present when a lookup names nothing.
  return { ...app, params: app.params ?? {}, hosts, ...(site ? { site } : {}) };
}

/** Whether `name` matches a name or `*` pattern of a runbook's `envSecrets` list. */
function listed(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => new RegExp(`^${p.split("*").map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(name));
}

/**
 * Whether an environment variable is secret: the runbook's `envSecrets.secret` list, else not
 * when its `envSecrets.notSecret` list names it, else when the name looks secret.
 */
export function envIsSecret(name: string, marks?: EnvSecrets): boolean {
  if (marks && listed(name, marks.secret)) return true;
  if (marks && listed(name, marks.notSecret)) return false;
  return looksSecret(name);
}

/** The `env` scope: the operator's variables, secret ones (by name or the runbook's marks) wrapped as secrets. */
export function envView(env: Readonly<Record<string, string | undefined>>, marks?: EnvSecrets): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    out[k] = envIsSecret(k, marks) && v.length >= MIN_SECRET_LENGTH ? new SecretValue(`env_${k}`, v) : v;
  }
  return out;
}

/**
 * Every secret value an application's inputs could read: secret environment variables and the
 * variables its `secret` inputs name. For redacting messages made before its scope exists.
 */
export function secretValuesFor(runbook: Runbook, app: Application, env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined && envIsSecret(k, runbook.envSecrets)) out.push(v);
  for (const [name, input] of Object.entries(runbook.inputs)) {
    if (input.type !== "secret") continue;
    const ref = app.params?.[name] ?? (typeof input.default === "string" ? input.default : undefined);
    const v = ref === undefined ? undefined : env[ref];
    if (v !== undefined) out.push(v);
  }
  return out;
}

/** How an input's value is shown in a message: quoted, or only where it came from when that is a secret. */
function shown(raw: string, from: readonly SecretValue[]): string {
  if (from.length === 0) return `"${raw}"`;
  const names = [...new Set(from.map((s) => (s.name.startsWith("env_") ? `env.${s.name.slice(4)}` : s.name)))];
  return `a value from the secret ${names.join(", ")} (not shown)`;
}

/**
 * Resolve a runbook's inputs for an application. Throws TemplateError naming the input and
 * what to fix; `where` prefixes the message (runbook and application).
 */
export function resolveInputs(
  runbook: Runbook,
  app: Application,
  estate: Estate,
  env: Readonly<Record<string, string | undefined>>,
): AppScope {
  const secrets = new Map<string, string>();
  const inputs: Record<string, unknown> = {};
  const values: Record<string, unknown> = { app: appView(app, estate), env: envView(env, runbook.envSecrets), inputs };
  for (const v of Object.values(values.env as Record<string, unknown>)) if (v instanceof SecretValue) secrets.set(v.envName, v.value);
  const params = app.params ?? {};
  for (const [name, input] of Object.entries(runbook.inputs)) {
    const where = `input "${name}"`;
    let raw: string | undefined = params[name];
    // Secrets a default's template read: the value is then secret too, and never shown.
    let from: SecretValue[] = [];
    if (raw === undefined && input.default !== undefined) {
      raw = String(input.default);
      try {
        const r = renderString(raw, { values, visibleSteps: new Set() }, false);
        raw = r.text;
        from = r.secrets ?? [];
      } catch (err) {
        if (err instanceof TemplateError) throw new TemplateError(`${where} default: ${err.message}`, err.code);
        throw err;
      }
    }
    if (raw === undefined) {
      throw new TemplateError(`${where} has no value: add params.${name} to application ${app.id} in the estate, or a default to the runbook`);
    }
    let value = typed(name, input.type, raw, estate, env, from);
    // A string made from a secret stays one: redacted, and kept off command lines.
    if (from.length > 0 && typeof value === "string" && raw.length >= MIN_SECRET_LENGTH) value = new SecretValue(name, value);
    if (value instanceof SecretValue) secrets.set(value.envName, value.value);
    inputs[name] = value;
    if (!["app", "env", "inputs", "steps"].includes(name)) values[name] = value;
  }
  return { values, secrets };
}

function typed(
  name: string,
  type: Runbook["inputs"][string]["type"],
  raw: string,
  estate: Estate,
  env: Readonly<Record<string, string | undefined>>,
  from: readonly SecretValue[],
): unknown {
  const where = `input "${name}"`;
  // What the message says about the value: never a secret's characters, only its source.
  const got = shown(raw, from);
  switch (type) {
    case "string":
      return raw;
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new TemplateError(`${where} must be a number, got ${got}`);
      return n;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") throw new TemplateError(`${where} must be true or false, got ${got}`);
      return raw === "true";
    case "prefix": {
      const problem = checkPrefix(raw);
      // checkPrefix may quote the text it read, so a secret's problem is not repeated.
      if (problem) throw new TemplateError(from.length > 0 ? `${where} must be an IP prefix, got ${got}` : `${where} ${problem}, got ${got}`);
      return raw;
    }
    case "host": {
      const host = estate.hosts.find((h) => h.id === raw);
      if (!host) throw new TemplateError(`${where} names host ${got}, which is not in the estate`);
      return host satisfies Host;
    }
    case "site": {
      const site = estate.sites.find((s) => s.id === raw);
      if (!site) throw new TemplateError(`${where} names site ${got}, which is not in the estate`);
      return site satisfies Site;
    }
    case "secret": {
      // The param (or default) names the environment variable; the value never sits in a file.
      // A default that read a secret holds the value itself, not a name: refuse without showing it.
      if (from.length > 0) throw new TemplateError(`${where} is a secret: its default must name an environment variable, but it is ${got}`);
      const value = env[raw];
      if (value === undefined || value === "") {
        throw new TemplateError(`${where} is a secret read from $${raw}, which is not set: export it before running`);
      }
      if (value.length < MIN_SECRET_LENGTH) {
        throw new TemplateError(`${where}: $${raw} is shorter than ${MIN_SECRET_LENGTH} characters; too short to redact safely`);
      }
      return new SecretValue(name, value);
    }
  }
}
