import type { Diagnostic } from "./diagnostics.js";
import type { ErrorCode } from "./codes.js";
import { rangeOf, rangesOverlap, type AddressRange } from "./common.js";
import type { Estate } from "./estate.js";
import { resolveRefs, type EstateRefs } from "./refs.js";
import type { Runbook } from "./runbook.js";
import type { StackTarget } from "./stack.js";
import { parseTemplate, TemplateSyntaxError } from "./template.js";
import { suggest } from "./near-miss.js";
import { positionOf, type PathSegment, type YamlSource } from "./yaml-source.js";

/** Where each parsed estate entity came from, so cross-reference errors point at the file. */
export type Origins = Map<object, { source: YamlSource; path: PathSegment[] }>;

type Folders = { estate: boolean; runbooks: boolean; stacks: boolean };

function finding(source: YamlSource, path: readonly PathSegment[], code: ErrorCode, message: string, severity: "error" | "warning" = "error", key = false): Diagnostic {
  return { file: source.file, ...positionOf(source, path, { key }), code, severity, message };
}

/**
 * Cross-reference and consistency checks over the merged estate. Pass `refs` to receive every
 * application's links and hosts resolved to positions (model/refs.ts), found on the way.
 */
export function checkEstate(estate: Estate, origins: Origins, ctx: { runbooks: Map<string, unknown>; folders: Folders; invalidIds?: Set<string>; refs?: (refs: EstateRefs) => void }): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (entity: object, sub: PathSegment[], code: ErrorCode, message: string, severity: "error" | "warning" = "error") => {
    const origin = origins.get(entity);
    if (origin) out.push(finding(origin.source, [...origin.path, ...sub], code, message, severity));
  };

  // Each id's position in its list (the first, when an id is used twice: that is reported).
  const index = <T extends { id: string }>(kind: string, list: T[]): Map<string, number> => {
    const map = new Map<string, number>();
    for (let i = 0; i < list.length; i++) {
      const item = list[i]!;
      const first = map.get(item.id);
      if (first !== undefined) {
        const o = origins.get(list[first]!);
        at(item, ["id"], "duplicate-id", `${kind} id \`${item.id}\` is already used${o ? ` at ${o.source.file}:${positionOf(o.source, [...o.path, "id"]).line}` : ""}; ids are unique within their kind`);
      } else map.set(item.id, i);
    }
    return map;
  };
  const orgs = index("organisation", estate.organisations);
  const sites = index("site", estate.sites);
  const networks = index("network", estate.networks);
  const hosts = index("host", estate.hosts);
  const apps = index("application", estate.applications);
  index("dataset", estate.datasets);
  void networks;
  const refs = resolveRefs(estate, apps, hosts);
  ctx.refs?.(refs);

  // A reference that resolves (nearly all of them, 400k+ in a big estate) costs one lookup: the
  // path to report is built only for one that does not.
  const dangling = (entity: object, sub: PathSegment[], kind: string, id: string, map: Map<string, unknown>) => {
    // An entity that failed its schema was already reported; a reference to it is not dangling.
    if (!ctx.invalidIds?.has(id)) at(entity, sub, "unknown-reference", `unknown ${kind} \`${id}\`${suggest(id, map.keys())}`);
  };
  const ref = (entity: object, sub: PathSegment[], kind: string, id: string | undefined, map: Map<string, unknown>) => {
    if (id !== undefined && !map.has(id)) dangling(entity, sub, kind, id, map);
  };

  for (const o of estate.organisations) ref(o, ["successor"], "organisation", o.successor, orgs);
  for (const s of estate.sites) ref(s, ["organisation"], "organisation", s.organisation, orgs);
  for (const n of estate.networks) ref(n, ["site"], "site", n.site, sites);

  const siteRanges = new Map<string, AddressRange[]>();
  for (const n of estate.networks) {
    const list = siteRanges.get(n.site) ?? [];
    list.push(rangeOf(n.prefix));
    siteRanges.set(n.site, list);
  }
  for (const h of estate.hosts) {
    if (!sites.has(h.site)) dangling(h, ["site"], "site", h.site, sites);
    const via = h.ssh?.via;
    if (via !== undefined) {
      if (!hosts.has(via)) dangling(h, ["ssh", "via"], "jump host", via, hosts);
      if (via === h.id) at(h, ["ssh", "via"], "unknown-reference", `host \`${h.id}\` cannot be its own jump host`);
    }
    const ranges = siteRanges.get(h.site);
    if (ranges && sites.has(h.site)) {
      const addr = rangeOf(h.address);
      let inside = false;
      for (const r of ranges) if ((inside = rangesOverlap(r, addr))) break;
      if (!inside) at(h, ["address"], "address-outside-site", `address ${h.address} of host \`${h.id}\` is in none of site \`${h.site}\`'s networks`, "warning");
    }
  }
  // A jump chain that loops would hang a connection attempt forever; find it here.
  for (const h of estate.hosts) {
    if (h.ssh?.via === undefined) continue;
    const seen = [h.id];
    const hostAt = (id: string) => {
      const i = hosts.get(id);
      return i === undefined ? undefined : estate.hosts[i];
    };
    let hop = h.ssh?.via ? hostAt(h.ssh.via) : undefined;
    while (hop) {
      if (seen.includes(hop.id)) {
        if (hop.id === h.id && seen.length > 1) at(h, ["ssh", "via"], "unknown-reference", `jump hosts form a loop: ${[...seen, hop.id].join(" → ")}`);
        break;
      }
      seen.push(hop.id);
      hop = hop.ssh?.via ? hostAt(hop.ssh.via) : undefined;
    }
  }

  for (let p = 0; p < estate.applications.length; p++) {
    const a = estate.applications[p]!;
    ref(a, ["organisation"], "organisation", a.organisation, orgs);
    const hostAt = refs.hostStart[p]!;
    for (let i = 0; i < a.hosts.length; i++) if (refs.appHost[hostAt + i]! < 0) dangling(a, ["hosts", i], "host", a.hosts[i]!, hosts);
    if (a.target === undefined && a.disposition !== "retire" && a.disposition !== "retain") {
      at(a, [], "missing-field", `application \`${a.id}\` (${a.disposition}) needs a \`target\` site; only retire and retain have none`);
    }
    ref(a, ["target"], "target site", a.target, sites);
    if (a.runbook !== undefined) {
      if (!ctx.folders.runbooks) at(a, ["runbook"], "missing-folder", `runbook \`${a.runbook}\` is named but there is no runbooks/ folder`);
      else ref(a, ["runbook"], "runbook", a.runbook, ctx.runbooks);
    }
    // Its own estimates must name entries of a runbook: of its runbook when it names one, else of
    // any (the planner chooses the runbook by disposition and delivery), or a typo goes unnoticed.
    if (a.estimates && ctx.folders.runbooks) {
      const named = a.runbook !== undefined ? (ctx.runbooks.get(a.runbook) as { runbook?: Runbook } | undefined)?.runbook : undefined;
      const books = named ? [named] : a.runbook === undefined ? [...ctx.runbooks.values()].map((r) => (r as { runbook?: Runbook }).runbook).filter((r): r is Runbook => r !== undefined) : [];
      if (books.length > 0) {
        const ids = new Set(books.flatMap((r) => [...r.precheck, ...r.steps, ...r.verify].map((e) => e.id)));
        for (const step of Object.keys(a.estimates)) {
          if (!ids.has(step)) at(a, ["estimates", step], "unknown-reference", `application \`${a.id}\` estimates \`${step}\`, which is no step, precheck or verify gate of ${named ? `runbook \`${named.name}\`` : "any runbook"}${suggest(step, ids)}`);
        }
      }
    }
    const depAt = refs.depStart[p]!;
    for (let i = 0; i < a.dependsOn.length; i++) {
      const d = a.dependsOn[i]!;
      if (d.app === a.id) at(a, ["dependsOn", i, "app"], "self-dependency", `application \`${a.id}\` depends on itself`);
      else if (refs.depApp[depAt + i]! < 0) dangling(a, ["dependsOn", i, "app"], "application", d.app, apps);
      if (d.together && d.order === "none") at(a, ["dependsOn", i], "invalid-value", "a `together` link always constrains the schedule; drop `order: none`");
    }
    if (a.blackouts.length) a.blackouts.forEach((b, i) => {
      if (typeof b === "string") {
        const events = estate.calendar?.events ?? {};
        if (!Object.hasOwn(events, b)) at(a, ["blackouts", i], "unknown-event", `unknown calendar event \`${b}\`${suggest(b, Object.keys(events))}; define it under calendar.events`);
      } else if (b.to < b.from) at(a, ["blackouts", i, "to"], "invalid-range", `blackout ends (${b.to}) before it starts (${b.from})`);
    });
  }
  for (const d of estate.datasets) if (!apps.has(d.application)) dangling(d, ["application"], "application", d.application, apps);
  estate.calendar?.freezes.forEach((f, i) => {
    if (f.to < f.from) at(estate.calendar!, ["freezes", i, "to"], "invalid-range", `freeze ends (${f.to}) before it starts (${f.from})`);
  });
  for (const [name, e] of Object.entries(estate.calendar?.events ?? {})) {
    if ("from" in e && e.to < e.from) at(estate.calendar!, ["events", name, "to"], "invalid-range", `event ${name} ends (${e.to}) before it starts (${e.from})`);
  }
  if (estate.calendar) {
    const w = estate.calendar.window;
    if (!isTimeZone(w.timezone)) at(estate.calendar, ["window", "timezone"], "invalid-value", `unknown time zone \`${w.timezone}\` (use an IANA name such as Europe/London)`);
  }

  out.push(...overlapWarnings(estate, origins));
  return out;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-GB", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Networks at different sites that share addresses: they cannot be joined into one network
 * without re-addressing one side. Sweep over sorted ranges, O(n log n + overlaps).
 */
function overlapWarnings(estate: Estate, origins: Origins): Diagnostic[] {
  const items = estate.networks.map((n) => ({ n, r: rangeOf(n.prefix) }));
  items.sort((a, b) => (a.r.v6 !== b.r.v6 ? (a.r.v6 ? 1 : -1) : a.r.start < b.r.start ? -1 : a.r.start > b.r.start ? 1 : a.n.id < b.n.id ? -1 : 1));
  const clashes = new Map<(typeof items)[number]["n"], string[]>();
  const active: typeof items = [];
  for (const item of items) {
    for (let i = active.length - 1; i >= 0; i--) {
      const other = active[i]!;
      if (other.r.v6 !== item.r.v6 || other.r.end < item.r.start) active.splice(i, 1);
    }
    for (const other of active) {
      if (other.n.site === item.n.site) continue;
      // One warning per pair, on the network that starts later: the other side names it.
      clashes.set(item.n, [...(clashes.get(item.n) ?? []), `${other.n.id} (${other.n.prefix}, site ${other.n.site})`]);
    }
    active.push(item);
  }
  const out: Diagnostic[] = [];
  for (const [n, others] of clashes) {
    const origin = origins.get(n);
    if (!origin) continue;
    const list = others.slice(0, 3).join(", ") + (others.length > 3 ? ` and ${others.length - 3} more` : "");
    out.push(finding(origin.source, [...origin.path, "prefix"], "network-overlap", `network \`${n.id}\` (${n.prefix}, site ${n.site}) overlaps ${list}; one side must be re-addressed before the networks are joined (see \`ferry network\`)`, "warning"));
  }
  return out;
}

// What a template may look up. `*` accepts any further path (free-form maps and step outputs).
type Shape = { [field: string]: Shape } | "*" | "leaf";
const HOST: Shape = { id: "leaf", site: "leaf", address: "leaf", os: "leaf", ssh: { user: "leaf", port: "leaf", via: "leaf" }, aliases: "*" };
const SITE: Shape = { id: "leaf", name: "leaf", kind: "leaf", organisation: "leaf", closes: "leaf", region: "leaf" };
const APP: Shape = {
  id: "leaf", name: "leaf", organisation: "leaf", owner: "leaf", criticality: "leaf", users: "leaf", delivery: "leaf",
  disposition: "leaf", target: "leaf", runbook: "leaf", effort: "leaf", params: "*", estimates: "*", dependsOn: "*", blackouts: "*", supportEnds: "leaf", contractEnds: "leaf",
  /** `app.hosts.N` is the host record, so `{{ app.hosts.0.address }}` works. */
  hosts: "*HOSTS" as unknown as Shape,
  /** The site of the application's first host, as a record: `{{ app.site.id }}`. */
  site: SITE,
};

/**
 * Follow `path` through `shape` as `ferry run` will through the real values: own fields only
 * (never `constructor`, `toString` or `__proto__` from a prototype), and a template must end on
 * a value, not on a record. `name` is how the path's root is written, for messages.
 */
function walkShape(shape: Shape, path: string[], name: string): string | undefined {
  let cur: Shape = shape;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    if (cur === "*") return undefined;
    if ((cur as unknown) === "*HOSTS") {
      if (!/^\d+$/.test(seg)) return `\`${seg}\` is not an index into the host list (use hosts.0, hosts.1…)`;
      cur = HOST;
      continue;
    }
    if (cur === "leaf") return `\`${[name, ...path.slice(0, i)].join(".")}\` is a value, it has no field \`${seg}\``;
    if (!Object.hasOwn(cur, seg)) return `no field \`${seg}\` (known: ${Object.keys(cur).join(", ")})`;
    cur = cur[seg]!;
  }
  if (cur === "leaf" || cur === "*") return undefined;
  const fields = (cur as unknown) === "*HOSTS" ? ["0.id", "0.address"] : Object.keys(cur).slice(0, 2);
  return `\`${[name, ...path].join(".")}\` is a record, not a value: name one of its fields${fields.length ? ` (e.g. ${fields.map((f) => `${[name, ...path].join(".")}.${f}`).join(" or ")})` : ""}`;
}

/** Per-runbook checks: step ids, `needs` graph, every template path resolvable. */
export function checkRunbooks(runbooks: Map<string, { runbook: Runbook; file: string }>, sources: Map<string, { source: YamlSource }>): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [name, { runbook }] of runbooks) {
    const source = sources.get(name)!.source;
    const ids = new Map<string, PathSegment[]>();
    for (const section of ["precheck", "steps", "verify"] as const) {
      runbook[section].forEach((s, i) => {
        if (ids.has(s.id)) out.push(finding(source, [section, i, "id"], "duplicate-id", `step id \`${s.id}\` is used twice in runbook \`${name}\``));
        else ids.set(s.id, [section, i]);
      });
    }
    const stepIds = new Set(runbook.steps.map((s) => s.id));
    runbook.steps.forEach((s, i) =>
      s.needs?.forEach((n, j) => {
        if (!stepIds.has(n)) out.push(finding(source, ["steps", i, "needs", j], "unknown-reference", `step \`${s.id}\` needs unknown step \`${n}\`${suggest(n, stepIds)}`));
      }),
    );
    const cycle = findNeedsCycle(runbook);
    if (cycle) {
      const i = runbook.steps.findIndex((s) => s.id === cycle[0]);
      out.push(finding(source, ["steps", i, "needs"], "step-cycle", `steps' needs form a cycle: ${cycle.join(" → ")}`));
    }

    const inputs = runbook.inputs;
    const check = (text: string, path: PathSegment[]) => {
      if (!text.includes("{{") && !text.includes("}}")) return;
      let parts;
      try {
        parts = parseTemplate(text);
      } catch (err) {
        if (err instanceof TemplateSyntaxError) out.push(finding(source, path, "template-syntax", err.message));
        return;
      }
      for (const part of parts) {
        if (part.kind !== "ref") continue;
        const problem = resolveStatic(part.path, inputs, ids);
        if (problem) out.push(finding(source, path, "template-unresolved", `\`{{ ${part.raw} }}\`: ${problem}`));
      }
    };
    for (const [inputName, input] of Object.entries(inputs)) {
      if (typeof input.default === "string") check(input.default, ["inputs", inputName, "default"]);
    }
    for (const section of ["precheck", "steps", "verify"] as const) {
      runbook[section].forEach((s, i) => visitStrings(s, [section, i], check));
    }
  }
  return out;
}

function resolveStatic(path: string[], inputs: Runbook["inputs"], ids: Map<string, PathSegment[]>): string | undefined {
  const [root, ...rest] = path as [string, ...string[]];
  const inputShape = (name: string, sub: string[]): string | undefined => {
    const input = Object.hasOwn(inputs, name) ? inputs[name] : undefined;
    if (!input) return `no input \`${name}\`${suggest(name, Object.keys(inputs))}`;
    if (input.type === "host") return walkShape(HOST, sub, name);
    if (input.type === "site") return walkShape(SITE, sub, name);
    return sub.length ? `input \`${name}\` is a ${input.type}, it has no field \`${sub[0]}\`` : undefined;
  };
  switch (root) {
    case "app":
      return walkShape(APP, rest, "app");
    case "inputs":
      return rest.length ? inputShape(rest[0]!, rest.slice(1)) : "name an input: inputs.<name>";
    case "env":
      return rest.length === 1 ? undefined : "use env.<NAME> for a variable the operator exported";
    case "steps": {
      const [id, field] = rest;
      if (!id || !ids.has(id)) return `no step \`${id ?? ""}\` in this runbook${id ? suggest(id, ids.keys()) : ""}`;
      return field === "outputs" ? undefined : `use steps.${id}.outputs.<name>`;
    }
    default:
      if (Object.hasOwn(inputs, root)) return inputShape(root, rest);
      return `\`${root}\` is not something a runbook can see (app, inputs, an input name, steps, env)${suggest(root, Object.keys(inputs))}`;
  }
}

function visitStrings(value: unknown, path: PathSegment[], fn: (text: string, path: PathSegment[]) => void): void {
  if (typeof value === "string") fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, [...path, i], fn));
  else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) visitStrings(v, [...path, k], fn);
}

function findNeedsCycle(runbook: Runbook): string[] | undefined {
  const needs = new Map<string, string[]>();
  for (const s of runbook.steps) if (!needs.has(s.id)) needs.set(s.id, s.needs ?? []);
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | undefined => {
    if (state.get(id) === "done") return undefined;
    if (state.get(id) === "open") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "open");
    stack.push(id);
    for (const n of needs.get(id) ?? []) {
      if (!needs.has(n)) continue;
      const c = visit(n);
      if (c) return c;
    }
    stack.pop();
    state.set(id, "done");
    return undefined;
  };
  for (const id of needs.keys()) {
    const c = visit(id);
    if (c) return c;
  }
  return undefined;
}

/** Stack targets must reference estate sites that exist. */
export function checkStacks(stacks: Map<string, { target: StackTarget }>, sources: Map<string, YamlSource>, estate: Estate, folders: Folders): Diagnostic[] {
  const out: Diagnostic[] = [];
  const sites = new Set(estate.sites.map((s) => s.id));
  for (const [name, { target }] of stacks) {
    const source = sources.get(name)!;
    const siteRef = (id: string, path: PathSegment[]) => {
      if (!folders.estate) out.push(finding(source, path, "missing-folder", `site \`${id}\` is named but there is no estate/ folder`));
      else if (!sites.has(id)) out.push(finding(source, path, "unknown-reference", `unknown site \`${id}\`${suggest(id, sites)}`));
    };
    const net = ["config", "ferry:network"];
    target.network.sites.forEach((s, i) => siteRef(s.site, [...net, "sites", i, "site"]));
    if (target.network.dataCentre) siteRef(target.network.dataCentre.site, [...net, "dataCentre", "site"]);
    target.connectivity?.sites.forEach((s, i) => siteRef(s.site, ["config", "ferry:connectivity", "sites", i, "site"]));
    if (target.desktops) {
      siteRef(target.desktops.targetSite, ["config", "ferry:desktops", "targetSite"]);
      if (!target.network.spokes.some((s) => s.id === target.desktops!.spoke)) {
        out.push(finding(source, ["config", "ferry:desktops", "spoke"], "unknown-reference", `unknown spoke \`${target.desktops.spoke}\` (spokes: ${target.network.spokes.map((s) => s.id).join(", ") || "none"})`));
      }
    }
  }
  return out;
}
