/**
 * Meet a source's proposal with the estate: an entry another file already defines (a host
 * RVTools found and ServiceNow also lists, by name, alias or address; a site by id or name; an
 * application by id or name) is merged into it instead of being declared twice, references are
 * rewritten to the surviving id, and where the two disagree the estate's value is kept and the
 * disagreement reported.
 */
import type { Diagnostic } from "../model/diagnostics.js";
import { positionOfEntry, type EstateEntry, type EstateView } from "./estate-files.js";
import { hostId } from "./ids.js";
import type { ListName, Proposal, ProposedEntry } from "./proposal.js";
import type { Change, ChangeKind } from "./report.js";

export const KIND: Record<ListName, ChangeKind> = { sites: "site", networks: "network", hosts: "host", applications: "application" };

export interface Reconciled {
  /** Entries to write into the source's own file (merged ones removed, references remapped). */
  own: Record<ListName, ProposedEntry[]>;
  /** Proposed id → surviving id, per list. */
  remap: Record<ListName, Map<string, string>>;
  changes: Change[];
  warnings: Diagnostic[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function reconcile(p: Proposal, view: EstateView, ownFile: string): Reconciled {
  const elsewhere = view.entries.filter((e) => e.file !== ownFile);
  const mine = new Set(view.entries.filter((e) => e.file === ownFile).map((e) => `${e.list}\u0000${e.id}`));
  const byId = new Map<string, EstateEntry>();
  const byName = new Map<string, EstateEntry>();
  const byAddress = new Map<string, EstateEntry[]>();
  for (const e of elsewhere) {
    byId.set(`${e.list}\u0000${e.id}`, e);
    const names: unknown[] = [e.data.name, ...(Array.isArray(e.data.aliases) ? e.data.aliases : [])];
    for (const n of names) if (typeof n === "string") byName.set(`${e.list}\u0000${e.list === "hosts" ? hostId(n) : n.trim().toLowerCase()}`, e);
    if (e.list === "hosts" && typeof e.data.address === "string") byAddress.set(e.data.address, [...(byAddress.get(e.data.address) ?? []), e]);
    if (e.list === "networks") byName.set(`networks\u0000${String(e.data.site)}\u0000${String(e.data.prefix)}`, e);
  }
  const out: Reconciled = { own: { sites: [], networks: [], hosts: [], applications: [] }, remap: { sites: new Map(), networks: new Map(), hosts: new Map(), applications: new Map() }, changes: [], warnings: [] };

  const order: ListName[] = ["sites", "networks", "hosts", "applications"];
  for (const list of order) {
    for (const entry of p.lists[list]) {
      const e = remapRefs(entry, list, out.remap);
      if (mine.has(`${list}\u0000${e.id}`)) {
        out.own[list].push(e);
        continue;
      }
      const match = findMatch(list, e, byId, byName, byAddress);
      if (!match) {
        out.own[list].push(e);
        continue;
      }
      out.remap[list].set(entry.id, match.entry.id);
      out.changes.push({ kind: KIND[list], id: match.entry.id, file: match.entry.file, what: "merged", detail: `${e.origin} is ${match.entry.id} in ${match.entry.file} (same ${match.by})` });
      for (const [path, theirs] of Object.entries(e.owned)) {
        if (list === "sites" || path === "name") continue;
        const ours = getPath(match.entry.data, path);
        if (ours === undefined || same(ours, theirs)) continue;
        if (list === "applications" && path === "hosts") {
          const missing = (theirs as string[]).filter((h) => !(ours as string[]).includes(h));
          if (missing.length === 0) continue;
          out.warnings.push(conflict(view, match.entry, `${KIND[list]} ${match.entry.id}: ${p.source} also puts ${missing.join(", ")} in it (${e.origin}); ${match.entry.file} does not, and is kept`));
          continue;
        }
        out.warnings.push(conflict(view, match.entry, `${KIND[list]} ${match.entry.id}: ${p.source} says ${path} ${JSON.stringify(theirs)} (${e.origin}), ${match.entry.file} says ${JSON.stringify(ours)}; the estate's value is kept`));
      }
    }
  }
  return out;
}

function findMatch(
  list: ListName,
  e: ProposedEntry,
  byId: Map<string, EstateEntry>,
  byName: Map<string, EstateEntry>,
  byAddress: Map<string, EstateEntry[]>,
): { entry: EstateEntry; by: string } | undefined {
  const hit = byId.get(`${list}\u0000${e.id}`);
  if (hit) return { entry: hit, by: "id" };
  if (list === "networks") {
    const n = byName.get(`networks\u0000${String(e.owned.site)}\u0000${String(e.owned.prefix)}`);
    return n ? { entry: n, by: "site and prefix" } : undefined;
  }
  const names = list === "hosts" ? (e.names ?? []).map(hostId) : [String(e.owned.name ?? "").trim().toLowerCase()];
  for (const n of names) {
    const m = n ? byName.get(`${list}\u0000${n}`) : undefined;
    if (m) return { entry: m, by: "name" };
  }
  if (list === "hosts" && typeof e.owned.address === "string") {
    // Only an unambiguous address merges: the councils reuse 10.1.x at different sites.
    const at = (byAddress.get(e.owned.address) ?? []).filter((h) => h.data.site === e.owned.site);
    if (at.length === 1) return { entry: at[0]!, by: "address and site" };
  }
  return undefined;
}

function remapRefs(e: ProposedEntry, list: ListName, remap: Reconciled["remap"]): ProposedEntry {
  const owned = { ...e.owned };
  const initial = { ...e.initial };
  if ((list === "hosts" || list === "networks") && typeof owned.site === "string") owned.site = remap.sites.get(owned.site) ?? owned.site;
  if (list === "applications" && Array.isArray(owned.hosts)) owned.hosts = [...new Set((owned.hosts as string[]).map((h) => remap.hosts.get(h) ?? h))].sort();
  return { ...e, owned, initial };
}

function conflict(view: EstateView, entry: EstateEntry, message: string): Diagnostic {
  return { ...positionOfEntry(view, entry), code: "import-conflict", severity: "warning", message };
}

/** A field by path (`params.remoteAppPath`) of plain data. */
export function getPath(data: Record<string, unknown>, path: string): unknown {
  let v: unknown = data;
  for (const seg of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[seg];
  }
  return v;
}
