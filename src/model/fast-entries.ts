/**
 * A fast check of the estate's host and application entries for the common, well-formed case.
 * zod's generic object parsing costs microseconds per entry, and a big estate has 100k+ of each;
 * these hand-written checks accept only entries zod would accept and build exactly the output
 * zod would build (keys in the schema's order, defaults filled). Anything they are not sure of
 * (an unknown key, a wrong type, IPv6, an application's `estimates`) returns undefined and the
 * whole list goes to zod, so every error message and its position stay zod's own. A property
 * test keeps the two equal on generated and mutated entries.
 */
import { dottedQuadValue, isoDate, isRealDate } from "./common.js";
import { EstateFile } from "./estate.js";

type Obj = Record<string, unknown>;

const ID = /^[a-z0-9][a-z0-9-]*$/;
const OS = new Set(["linux", "windows", "appliance", "network-device"]);
const CRITICALITY = new Set(["critical", "high", "medium", "low"]);
const DELIVERY = new Set(["citrix", "desktop", "web", "saas", "server"]);
const DISPOSITION = new Set(["rehost", "replatform", "repurchase", "relocate", "retire", "retain"]);

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
const isId = (v: unknown): v is string => typeof v === "string" && ID.test(v);
const isText = (v: unknown): v is string => typeof v === "string" && v.length > 0;
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isDate = (v: unknown): v is string => typeof v === "string" && isoDate.test(v) && isRealDate(v);

/** Own keys all among `allowed` (a strict object); none named `__proto__`. */
function onlyKeys(v: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in v) if (!allowed.has(k) || k === "__proto__") return false;
  return true;
}

/** An array of ids, copied; undefined when any entry is not one. */
function ids(v: unknown): string[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: string[] = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    const e: unknown = v[i];
    if (!isId(e)) return undefined;
    out[i] = e;
  }
  return out;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObj(v)) return undefined;
  const out: Record<string, string> = {};
  for (const k in v) {
    const e = v[k];
    if (k === "__proto__" || typeof e !== "string") return undefined;
    out[k] = e;
  }
  return out;
}

const SSH_KEYS = new Set(["user", "port", "via"]);
const HOST_KEYS = new Set(["id", "site", "address", "os", "ssh", "aliases"]);

/** A host entry as `Host` parses it, or undefined when only zod can say. */
export function fastHost(v: unknown): Obj | undefined {
  if (!isObj(v) || !onlyKeys(v, HOST_KEYS)) return undefined;
  const { id, site, address, os, ssh, aliases } = v;
  if (!isId(id) || !isId(site) || typeof address !== "string" || dottedQuadValue(address) === undefined || typeof os !== "string" || !OS.has(os)) return undefined;
  const out: Obj = { id, site, address, os };
  if ("ssh" in v) {
    if (!isObj(ssh) || !onlyKeys(ssh, SSH_KEYS)) return undefined;
    const s: Obj = {};
    if ("user" in ssh) {
      if (!isText(ssh.user)) return undefined;
      s.user = ssh.user;
    }
    if ("port" in ssh) {
      const port = ssh.port;
      if (!isCount(port) || port < 1 || port > 65535) return undefined;
      s.port = port;
    }
    if ("via" in ssh) {
      if (!isId(ssh.via)) return undefined;
      s.via = ssh.via;
    }
    out.ssh = s;
  }
  if ("aliases" in v) {
    if (!Array.isArray(aliases)) return undefined;
    for (const a of aliases as unknown[]) if (typeof a !== "string") return undefined;
    out.aliases = (aliases as string[]).slice();
  }
  return out;
}

const DEP_KEYS = new Set(["app", "together", "order", "note"]);
const BLACKOUT_KEYS = new Set(["from", "to", "reason"]);
const APP_KEYS = new Set([
  "id", "name", "organisation", "owner", "criticality", "users", "delivery", "disposition", "target", "hosts", "runbook", "params",
  "effort", "dependsOn", "blackouts", "supportEnds", "contractEnds", "approvalFrom",
]);

function dependency(v: unknown): Obj | undefined {
  if (!isObj(v) || !onlyKeys(v, DEP_KEYS) || !isId(v.app)) return undefined;
  const out: Obj = { app: v.app };
  if ("together" in v) {
    if (typeof v.together !== "boolean") return undefined;
    out.together = v.together;
  }
  if ("order" in v) {
    if (v.order !== "before" && v.order !== "none") return undefined;
    out.order = v.order;
  }
  if ("note" in v) {
    if (typeof v.note !== "string") return undefined;
    out.note = v.note;
  }
  return out;
}

function blackout(v: unknown): unknown {
  if (isId(v)) return v;
  if (!isObj(v) || !onlyKeys(v, BLACKOUT_KEYS) || !isDate(v.from) || !isDate(v.to) || !isText(v.reason)) return undefined;
  return { from: v.from, to: v.to, reason: v.reason };
}

function list(v: unknown, entry: (e: unknown) => unknown): unknown[] | undefined {
  if (!Array.isArray(v)) return undefined;
  const out: unknown[] = new Array<unknown>(v.length);
  for (let i = 0; i < v.length; i++) {
    const e = entry(v[i]);
    if (e === undefined) return undefined;
    out[i] = e;
  }
  return out;
}

/** An application entry as `Application` parses it, or undefined when only zod can say (always for `estimates`). */
export function fastApplication(v: unknown): Obj | undefined {
  if (!isObj(v) || !onlyKeys(v, APP_KEYS)) return undefined;
  if (!isId(v.id) || !isText(v.name) || !isText(v.owner)) return undefined;
  if (typeof v.criticality !== "string" || !CRITICALITY.has(v.criticality)) return undefined;
  if (typeof v.delivery !== "string" || !DELIVERY.has(v.delivery)) return undefined;
  if (typeof v.disposition !== "string" || !DISPOSITION.has(v.disposition)) return undefined;
  const out: Obj = { id: v.id, name: v.name };
  if ("organisation" in v) {
    if (!isId(v.organisation)) return undefined;
    out.organisation = v.organisation;
  }
  out.owner = v.owner;
  out.criticality = v.criticality;
  if ("users" in v && !isCount(v.users)) return undefined;
  out.users = "users" in v ? v.users : 0;
  out.delivery = v.delivery;
  out.disposition = v.disposition;
  if ("target" in v) {
    if (!isId(v.target)) return undefined;
    out.target = v.target;
  }
  const hosts = "hosts" in v ? ids(v.hosts) : [];
  if (!hosts) return undefined;
  out.hosts = hosts;
  if ("runbook" in v) {
    if (!isId(v.runbook)) return undefined;
    out.runbook = v.runbook;
  }
  if ("params" in v) {
    const params = stringMap(v.params);
    if (!params) return undefined;
    out.params = params;
  }
  if ("effort" in v && !isCount(v.effort)) return undefined;
  out.effort = "effort" in v ? v.effort : 1;
  const dependsOn = "dependsOn" in v ? list(v.dependsOn, dependency) : [];
  if (!dependsOn) return undefined;
  out.dependsOn = dependsOn;
  const blackouts = "blackouts" in v ? list(v.blackouts, blackout) : [];
  if (!blackouts) return undefined;
  out.blackouts = blackouts;
  for (const key of ["supportEnds", "contractEnds"] as const) {
    if (!(key in v)) continue;
    if (!isDate(v[key])) return undefined;
    out[key] = v[key];
  }
  if ("approvalFrom" in v) {
    const from = ids(v.approvalFrom);
    if (!from || from.length === 0) return undefined;
    out.approvalFrom = from;
  }
  return out;
}

const FAST_LISTS = [
  ["hosts", fastHost],
  ["applications", fastApplication],
] as const;

/**
 * `EstateFile.safeParse`, with the hosts and applications lists checked by the fast path when
 * every entry of a list passes it. zod then checks the rest of the file with that list empty:
 * a list whose entries all pass adds no issue, so the result, errors included, is zod's.
 */
export function safeParseEstateFile(data: unknown): ReturnType<typeof EstateFile.safeParse> {
  if (!isObj(data)) return EstateFile.safeParse(data);
  let rest: Obj = data;
  const fast: [string, unknown[]][] = [];
  for (const [key, check] of FAST_LISTS) {
    const items = data[key];
    if (!Array.isArray(items) || items.length === 0) continue;
    const out = list(items, check);
    if (!out) continue;
    if (rest === data) rest = { ...data };
    rest[key] = [];
    fast.push([key, out]);
  }
  const result = EstateFile.safeParse(rest);
  if (result.success) for (const [key, out] of fast) (result.data as Obj)[key] = out;
  return result;
}
