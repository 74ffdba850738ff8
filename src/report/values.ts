/**
 * Runbook text rendered with one application's own values, for people to read: the pack shows
 * "point gis.corp… back at 10.97.8.21", not `{{ source.address }}`. The engine's renderer is
 * not used: it refuses what cannot be known before a run (secrets, the operator's environment,
 * step outputs), while a reader only needs to be told where those values come from.
 */
import type { Application, Estate, Host } from "../model/estate.js";
import type { Runbook } from "../model/runbook.js";
import { parseTemplate } from "../model/template.js";

/** What templates of one application see, as far as a reader needs it. */
export interface ValueScope {
  values: Record<string, unknown>;
}

/** A value known only at run time, shown as where it comes from. */
class Placeholder {
  constructor(readonly text: string) {}
}

function walk(value: unknown, rest: readonly string[]): unknown {
  let cur = value;
  for (const key of rest) {
    if (cur instanceof Placeholder) return cur;
    if (Array.isArray(cur)) cur = /^\d+$/.test(key) ? cur[Number(key)] : undefined;
    else if (cur !== null && typeof cur === "object" && Object.hasOwn(cur, key)) cur = (cur as Record<string, unknown>)[key];
    else return undefined;
  }
  return cur;
}

function shown(value: unknown, raw: string): string {
  if (value instanceof Placeholder) return value.text;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return String(value);
  // A host or site record where a value was meant: its id reads best.
  if (value !== null && typeof value === "object" && "id" in value && typeof (value as { id: unknown }).id === "string") return (value as { id: string }).id;
  return `{{ ${raw} }}`;
}

/**
 * Render `text` against the scope. Unknown references are left as they were written, so a
 * mistake shows rather than disappearing; `validate` reports them with a position.
 */
export function renderText(text: string, scope: ValueScope): string {
  if (!text.includes("{{")) return text;
  let parts;
  try {
    parts = parseTemplate(text);
  } catch {
    return text;
  }
  let out = "";
  for (const p of parts) {
    if (p.kind === "text") {
      out += p.text;
      continue;
    }
    const [head, ...rest] = p.path as [string, ...string[]];
    if (head === "env") out += rest.length ? `$${rest.join(".")} (from the operator's environment)` : `{{ ${p.raw} }}`;
    else if (head === "steps") out += `(the output of step ${rest[0] ?? "?"})`;
    else if (!Object.hasOwn(scope.values, head)) out += `{{ ${p.raw} }}`;
    else {
      const v = walk(scope.values[head], rest);
      out += v === undefined || v === null ? `{{ ${p.raw} }}` : shown(v, p.raw);
    }
  }
  return out;
}

/**
 * The scope of one application for a runbook: `app` (its hosts as records, its site), and
 * every input from its params or the input's default, host and site inputs as records. Secret
 * inputs and the operator's environment are named, never read.
 */
export function valueScope(runbook: Pick<Runbook, "inputs">, app: Application, estate: Pick<Estate, "hosts" | "sites">, hostsById?: ReadonlyMap<string, Host>): ValueScope {
  const hostOf = (id: string) => hostsById?.get(id) ?? estate.hosts.find((h) => h.id === id);
  const hosts = app.hosts.map((id) => hostOf(id) ?? { id });
  const siteId = (hosts[0] as Partial<Host> | undefined)?.site;
  const site = siteId === undefined ? undefined : estate.sites.find((s) => s.id === siteId);
  const inputs: Record<string, unknown> = {};
  const values: Record<string, unknown> = { app: { ...app, params: app.params ?? {}, hosts, ...(site ? { site } : {}) }, inputs };
  const scope = { values };
  for (const [name, input] of Object.entries(runbook.inputs)) {
    const param = app.params?.[name];
    const raw = param ?? (input.default === undefined ? undefined : renderText(String(input.default), scope));
    let value: unknown;
    if (raw === undefined) value = new Placeholder(`{{ ${name} }} (not set)`);
    else if (input.type === "secret") value = new Placeholder(`the secret in $${raw}`);
    else if (input.type === "host") value = hostOf(raw) ?? raw;
    else if (input.type === "site") value = estate.sites.find((s) => s.id === raw) ?? raw;
    else value = raw;
    inputs[name] = value;
    if (!["app", "env", "inputs", "steps"].includes(name)) values[name] = value;
  }
  return scope;
}
