/**
 * Recorded dependencies: connections Azure Migrate saw between two servers, and ServiceNow's
 * "Depends on::Used by", become `dependsOn` entries between the applications that own the two
 * ends, with `order: none` (recorded for the diagrams and the change board, not a scheduling
 * constraint until a person says so). An entry goes into the file that defines the application
 * when an import owns that file; for a hand-written file the report gives the line to add.
 * A person's own entry for the same pair always wins.
 */
import { isMap, isSeq, type Document, type YAMLMap, type YAMLSeq } from "yaml";
import type { Diagnostic } from "../model/diagnostics.js";
import { MISSING_PREFIX, SOURCE_PREFIX, setManagedComment, type Base } from "./apply.js";
import type { EstateView } from "./estate-files.js";
import type { ListName, Proposal, ProposedEntry, SourceName } from "./proposal.js";
import type { Change } from "./report.js";

export interface LinkResult {
  changes: Change[];
  warnings: Diagnostic[];
  links: Base["links"];
  /** Links left out because no application owns an end. */
  unowned: number;
}

function appNode(doc: Document, id: string): YAMLMap | undefined {
  const apps = doc.get("applications", true) as unknown;
  if (!isSeq(apps)) return undefined;
  return apps.items.find((n): n is YAMLMap => isMap(n) && n.get("id") === id);
}

export function applyLinks(
  p: Proposal,
  view: EstateView,
  ownFile: string,
  own: Record<ListName, ProposedEntry[]>,
  remap: Record<ListName, Map<string, string>>,
  base: Base,
): LinkResult {
  const source: SourceName = p.source;
  const prefix = `recorded by ${source}`;
  const out: LinkResult = { changes: [], warnings: [], links: {}, unowned: 0 };
  // Which file defines each application, and which applications own each host.
  const fileOf = new Map<string, string>();
  const owners = new Map<string, Set<string>>();
  const own1 = (host: string, app: string) => owners.set(host, (owners.get(host) ?? new Set()).add(app));
  for (const e of view.entries) {
    if (e.list !== "applications" || e.file === ownFile) continue;
    fileOf.set(e.id, e.file);
    for (const h of Array.isArray(e.data.hosts) ? (e.data.hosts as string[]) : []) own1(h, e.id);
  }
  for (const e of view.entries) if (e.list === "applications" && e.file === ownFile && !fileOf.has(e.id)) {
    fileOf.set(e.id, ownFile);
    for (const h of Array.isArray(e.data.hosts) ? (e.data.hosts as string[]) : []) own1(h, e.id);
  }
  for (const a of own.applications) {
    fileOf.set(a.id, ownFile);
    for (const h of (a.owned.hosts as string[] | undefined) ?? []) own1(h, a.id);
  }
  const appsOf = (end: { app: string } | { host: string }): string[] => {
    if ("app" in end) return [remap.applications.get(end.app) ?? end.app];
    return [...(owners.get(remap.hosts.get(end.host) ?? end.host) ?? [])];
  };

  const pairs = new Map<string, { from: string; to: string; detail: Set<string>; origin: string }>();
  for (const link of p.links) {
    const froms = appsOf(link.from);
    const tos = appsOf(link.to);
    if (froms.length === 0 || tos.length === 0) {
      out.unowned++;
      continue;
    }
    for (const from of froms) for (const to of tos) {
      if (from === to) continue;
      const key = `${from}\u0000${to}`;
      const pair = pairs.get(key) ?? { from, to, detail: new Set(), origin: link.origin };
      for (const d of link.detail) pair.detail.add(d);
      pairs.set(key, pair);
    }
  }

  const sorted = [...pairs.values()].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.to < b.to ? -1 : 1));
  for (const pair of sorted) {
    (out.links[pair.from] ??= []).push(pair.to);
    const details = [...pair.detail].sort((a, b) => (parseInt(a.replace(/\D/g, ""), 10) || 0) - (parseInt(b.replace(/\D/g, ""), 10) || 0) || (a < b ? -1 : 1));
    const note = `${prefix}: ${details.join(", ")}`;
    const id = `${pair.from} → ${pair.to}`;
    const file = fileOf.get(pair.from);
    const managed = file ? view.managed.get(file) : undefined;
    const node = managed ? appNode(managed.doc, pair.from) : undefined;
    if (!file || !managed || !node) {
      if (file) out.changes.push({ kind: "dependency", id, file, what: "manual", detail: `add under ${pair.from} in ${file}: dependsOn: - { app: ${pair.to}, order: none, note: "${note}" }` });
      continue;
    }
    let deps = node.get("dependsOn", true) as unknown;
    if (!isSeq(deps)) {
      deps = managed.doc.createNode([]);
      node.set("dependsOn", deps);
      managed.dirty = true;
    }
    const seq = deps as YAMLSeq;
    const existing = seq.items.find((d): d is YAMLMap => isMap(d) && d.get("app") === pair.to);
    if (existing) {
      const was = String(existing.get("note") ?? "");
      if (was.startsWith(prefix) && was !== note) {
        existing.set("note", note);
        managed.dirty = true;
        out.changes.push({ kind: "dependency", id, file, what: "changed", detail: `note "${was}" → "${note}"` });
      }
      if ((existing.commentBefore ?? "").includes(MISSING_PREFIX) && setManagedComment(existing, [`${SOURCE_PREFIX} ${pair.origin}`])) managed.dirty = true;
      continue;
    }
    const created = managed.doc.createNode({ app: pair.to, order: "none", note }) as YAMLMap;
    created.flow = true;
    setManagedComment(created, [`${SOURCE_PREFIX} ${pair.origin}`]);
    seq.items.push(created);
    managed.dirty = true;
    out.changes.push({ kind: "dependency", id, file, what: "added", detail: note });
  }

  // Recorded before, not seen now: marked, kept, reported.
  for (const [from, tos] of Object.entries(base.links)) {
    for (const to of tos) {
      if (pairs.has(`${from}\u0000${to}`)) continue;
      (out.links[from] ??= []).push(to);
      const file = fileOf.get(from);
      const managed = file ? view.managed.get(file) : undefined;
      const node = managed ? appNode(managed.doc, from) : undefined;
      const deps = node?.get("dependsOn", true) as unknown;
      const entry = isSeq(deps) ? deps.items.find((d): d is YAMLMap => isMap(d) && d.get("app") === to && String(d.get("note") ?? "").startsWith(prefix)) : undefined;
      if (!entry || !file) continue;
      const origin = (entry.commentBefore ?? "").split("\n").find((l) => l.trimStart().startsWith(SOURCE_PREFIX))?.trim();
      if (setManagedComment(entry, [...(origin ? [origin] : []).map((o) => `${SOURCE_PREFIX} ${o.slice(SOURCE_PREFIX.length).trim()}`), `${MISSING_PREFIX} not seen in the last ${source} import; delete this entry if the dependency is gone`])) managed!.dirty = true;
      out.changes.push({ kind: "dependency", id: `${from} → ${to}`, file, what: "removed", detail: `no longer in the ${source} export; marked "missing", not deleted` });
    }
  }
  for (const tos of Object.values(out.links)) tos.sort();
  return out;
}
