/**
 * Write a source's entries into its own estate file through the yaml Document API, so every
 * comment and hand-set field survives. Each field the source owns is merged three ways: the
 * value the last import wrote (the base, kept beside the file), the value in the file now, and
 * the value the source gives now. A field a person changed is theirs: it is never overwritten,
 * and a source that changes it too is reported. Entries the source no longer lists are marked
 * with a comment and reported, never deleted.
 */
import { isCollection, isMap, isSeq, type Document, type Node, type YAMLMap, type YAMLSeq } from "yaml";
import type { Diagnostic } from "../model/diagnostics.js";
import { KIND } from "./reconcile.js";
import { LISTS, type ListName, type ProposedEntry, type SourceName } from "./proposal.js";
import type { Change } from "./report.js";

/** Last-imported values per list, id and owned field path; plus the dependencies last recorded. */
export interface Base {
  lists: Record<ListName, Record<string, Record<string, unknown>>>;
  /** Application id → applications its recorded dependencies point at. */
  links: Record<string, string[]>;
}

export const emptyBase = (): Base => ({ lists: { sites: {}, networks: {}, hosts: {}, applications: {} }, links: {} });

/** Key order of a new entry, so imported files read like hand-written ones. */
const KEY_ORDER = ["id", "name", "site", "kind", "organisation", "prefix", "vlan", "purpose", "address", "os", "aliases", "owner", "criticality", "users", "delivery", "disposition", "target", "hosts", "runbook", "params", "effort", "dependsOn", "region", "closes"];
/** Lists written as one flow map per entry (like estate/hosts.yaml); applications are block maps. */
const FLOW: Record<ListName, boolean> = { sites: true, networks: true, hosts: true, applications: false };

export const SOURCE_PREFIX = "source:";
export const MISSING_PREFIX = "missing:";

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Plain value at a path in a map node (collections as plain data). */
export function valueAt(map: YAMLMap, path: string): unknown {
  const v = map.getIn(path.split("."), false) as unknown;
  return isCollection(v) ? (v as Node).toJSON() : v;
}

/** Set the comment lines ferry manages above a node, keeping every line a person wrote; true when that changed the comment. */
export function setManagedComment(node: Node, lines: string[]): boolean {
  const kept = (node.commentBefore ?? "").split("\n").filter((l) => l !== "" && !l.trimStart().startsWith(SOURCE_PREFIX) && !l.trimStart().startsWith(MISSING_PREFIX));
  const next = [...kept, ...lines.map((l) => ` ${l}`)].join("\n") || undefined;
  if ((node.commentBefore || undefined) === next) return false;
  node.commentBefore = next;
  return true;
}

function seqOf(doc: Document, list: ListName): YAMLSeq {
  let seq = doc.get(list, true) as unknown;
  if (!isSeq(seq)) {
    seq = doc.createNode([]);
    // Lists go in schema order whatever order they are first needed in.
    const after = LISTS.slice(0, LISTS.indexOf(list)).reverse().find((l) => doc.has(l));
    const contents = doc.contents as YAMLMap;
    const pair = doc.createPair(list, seq);
    const at = after ? contents.items.findIndex((p) => (p.key as { value?: unknown })?.value === after) + 1 : contents.items.length;
    contents.items.splice(after ? at : contents.items.length, 0, pair);
  }
  return seq as YAMLSeq;
}

function newNode(doc: Document, list: ListName, data: Record<string, unknown>): YAMLMap {
  const ordered = Object.fromEntries(Object.entries(data).sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : 1)));
  const node = doc.createNode(ordered) as YAMLMap;
  node.flow = FLOW[list];
  for (const pair of node.items) if (isSeq(pair.value) && !pair.value.items.some(isMap)) pair.value.flow = true;
  return node;
}
const rank = (k: string) => (KEY_ORDER.includes(k) ? KEY_ORDER.indexOf(k) : KEY_ORDER.length);

/** Nest `params.x` paths into plain objects for a new entry. */
function nest(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [path, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    const segs = path.split(".");
    let at = out;
    for (const s of segs.slice(0, -1)) at = (at[s] ??= {}) as Record<string, unknown>;
    at[segs[segs.length - 1]!] = value;
  }
  return out;
}

export interface ApplyResult {
  /** Whether the document was edited at all (fields, entries or comments). */
  dirty: boolean;
  changes: Change[];
  warnings: Diagnostic[];
  base: Base;
}

/** Merge `entries` (by list) into `doc`, the source's own file; `base` is what the last import wrote. */
export function applyEntries(doc: Document, file: string, text: string, source: SourceName, entries: Record<ListName, ProposedEntry[]>, base: Base): ApplyResult {
  const at = (node: Node) => lineColumn(text, node.range?.[0] ?? 0);
  const changes: Change[] = [];
  const warnings: Diagnostic[] = [];
  const next = emptyBase();
  next.links = base.links;
  let dirty = false;
  for (const list of LISTS) {
    const proposed = entries[list];
    const existing = doc.get(list, true) as unknown;
    const nodes = new Map<string, YAMLMap>();
    if (isSeq(existing)) for (const item of existing.items) if (isMap(item)) nodes.set(String(item.get("id")), item);
    const seen = new Set<string>();
    const added: YAMLMap[] = [];
    for (const e of [...proposed].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
      if (seen.has(e.id)) continue;
      seen.add(e.id);
      next.lists[list][e.id] = e.owned;
      const node = nodes.get(e.id);
      if (!node) {
        const created = newNode(doc, list, { id: e.id, ...nest(e.initial), ...nest(e.owned) });
        setManagedComment(created, [`${SOURCE_PREFIX} ${e.origin}`]);
        added.push(created);
        dirty = true;
        changes.push({ kind: KIND[list], id: e.id, file, what: "added", detail: e.origin });
        continue;
      }
      const was = base.lists[list]?.[e.id];
      const fields = new Set([...Object.keys(e.owned), ...Object.keys(was ?? {})]);
      const changed: string[] = [];
      for (const path of [...fields].sort()) {
        const theirs = e.owned[path];
        const ours = valueAt(node, path);
        const last = was?.[path];
        if (same(ours, theirs)) continue;
        const editedByHand = was === undefined ? ours !== undefined : !same(ours, last);
        if (editedByHand) {
          if (!same(theirs, last)) {
            warnings.push({ file, ...at(node), code: "import-conflict", severity: "warning", message: `${KIND[list]} ${e.id}: ${path} was edited by hand (${JSON.stringify(ours)}) and ${source} now says ${JSON.stringify(theirs)}; the hand edit is kept` });
          }
          continue;
        }
        if (theirs === undefined) node.deleteIn(path.split("."));
        else node.setIn(path.split("."), isCollectionValue(theirs) ? flowNode(doc, theirs) : theirs);
        changed.push(`${path} ${JSON.stringify(ours)} → ${JSON.stringify(theirs)}`);
      }
      if (setManagedComment(node, [`${SOURCE_PREFIX} ${e.origin}`]) || changed.length) dirty = true;
      if (changed.length) changes.push({ kind: KIND[list], id: e.id, file, what: "changed", detail: changed.join("; ") });
    }
    // Entries a previous import wrote that the source no longer lists: marked, kept, reported.
    for (const [id, node] of nodes) {
      if (seen.has(id) || !base.lists[list]?.[id]) continue;
      next.lists[list][id] = base.lists[list][id]!;
      const origin = (node.commentBefore ?? "").split("\n").find((l) => l.trimStart().startsWith(SOURCE_PREFIX))?.trim();
      if (setManagedComment(node, [...(origin ? [origin.slice(SOURCE_PREFIX.length).trim()].map((o) => `${SOURCE_PREFIX} ${o}`) : []), `${MISSING_PREFIX} not in the last ${source} import; delete this entry if it is gone for good`])) dirty = true;
      changes.push({ kind: KIND[list], id, file, what: "removed", detail: `no longer in the ${source} export; marked "missing", not deleted` });
      warnings.push({ file, ...at(node), code: "import-missing-entry", severity: "warning", message: `${KIND[list]} ${id} is no longer in the ${source} export; it is marked "missing" in ${file} and kept until a person deletes it` });
    }
    if (added.length) {
      const seq = seqOf(doc, list);
      seq.items.push(...added);
    }
  }
  return { dirty, changes, warnings, base: next };
}

const isCollectionValue = (v: unknown) => Array.isArray(v) || (v !== null && typeof v === "object");
function flowNode(doc: Document, v: unknown): Node {
  const n = doc.createNode(v) as Node;
  if (isSeq(n)) n.flow = true;
  return n;
}

/** 1-based line and column of an offset in the text the document was parsed from. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
