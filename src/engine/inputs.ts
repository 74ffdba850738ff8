/**
 * Typed runbook inputs for one application: from its `params`, else the input's default
 * (which may itself be a template over `app`, `env` and earlier inputs), resolved against the
 * estate (`host` → the host record, `site` → the site record). Secrets come from the
 * operator's environment and are registered for redaction.
 */
import type { Application, Estate, Host, Site } from "../model/estate.js";
import type { Runbook } from "../model/runbook.js";
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

/** The `env` scope: the operator's variables, credential-like names wrapped as secrets. */
export function envView(env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) continue;
    out[k] = looksSecret(k) && v.length >= MIN_SECRET_LENGTH ? new SecretValue(`env_${k}`, v) : v;
  }
  return out;
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
  const values: Record<string, unknown> = { app: appView(app, estate), env: envView(env), inputs };
  for (const v of Object.values(values.env as Record<string, unknown>)) if (v instanceof SecretValue) secrets.set(v.envName, v.value);
  const params = app.params ?? {};
  for (const [name, input] of Object.entries(runbook.inputs)) {
    const where = `input "${name}"`;
    let raw: string | undefined = params[name];
    if (raw === undefined && input.default !== undefined) {
      raw = String(input.default);
      try {
        raw = renderString(raw, { values, visibleSteps: new Set() }, false).text;
      } catch (err) {
        if (err instanceof TemplateError) throw new TemplateError(`${where} default: ${err.message}`, err.code);
        throw err;
      }
    }
    if (raw === undefined) {
      throw new TemplateError(`${where} has no value: add params.${name} to application ${app.id} in the estate, or a default to the runbook`);
    }
    const value = typed(name, input.type, raw, estate, env);
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
): unknown {
  const where = `input "${name}"`;
  switch (type) {
    case "string":
      return raw;
    case "number": {
      const n = Number(raw);
      if (raw.trim() === "" || !Number.isFinite(n)) throw new TemplateError(`${where} must be a number, got "${raw}"`);
      return n;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") throw new TemplateError(`${where} must be true or false, got "${raw}"`);
      return raw === "true";
    case "prefix": {
      const problem = checkPrefix(raw);
      if (problem) throw new TemplateError(`${where} ${problem}, got "${raw}"`);
      return raw;
    }
    case "host": {
      const host = estate.hosts.find((h) => h.id === raw);
      if (!host) throw new TemplateError(`${where} names host "${raw}", which is not in the estate`);
      return host satisfies Host;
    }
    case "site": {
      const site = estate.sites.find((s) => s.id === raw);
      if (!site) throw new TemplateError(`${where} names site "${raw}", which is not in the estate`);
      return site satisfies Site;
    }
    case "secret": {
      // The param (or default) names the environment variable; the value never sits in a file.
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
