/**
 * `ferry import`: read a source's exports, meet them with the estate, and write (or, dry, only
 * report) the source's own estate file. Returns data; prints nothing.
 */
import { readFile } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { FerryError } from "../model/codes.js";
import { sortDiagnostics } from "../model/diagnostics.js";
import { applyEntries, emptyBase, type Base } from "./apply.js";
import { importAzureMigrate } from "./azure-migrate.js";
import { importCitrix } from "./citrix.js";
import { baseFile, importedFile, readEstate } from "./estate-files.js";
import { applyLinks } from "./links.js";
import { loadRules } from "./mapping.js";
import { importNetbox } from "./netbox.js";
import { SOURCES, type InputFile, type Proposal, type SourceContext, type SourceName } from "./proposal.js";
import { reconcile } from "./reconcile.js";
import { sortChanges, type ImportResult } from "./report.js";
import { importRvtools } from "./rvtools.js";
import { importServicenow } from "./servicenow.js";
import { validateStaged, writeAll } from "./stage.js";

export { SOURCES, type SourceName } from "./proposal.js";
export type { ImportResult, Change } from "./report.js";

const READERS: Record<SourceName, (files: readonly InputFile[], ctx: SourceContext) => Promise<Proposal>> = {
  rvtools: importRvtools,
  "azure-migrate": importAzureMigrate,
  servicenow: importServicenow,
  citrix: importCitrix,
  netbox: importNetbox,
};

export interface ImportOptions {
  source: SourceName;
  /** Export files, as the operator named them. */
  files: string[];
  /** Project directory. @default "." */
  dir?: string;
  /** Site of rows that do not say where they are. */
  site?: string;
  /** Organisation of the sites and applications an import creates. */
  organisation?: string;
  /** Mapping file. @default `<dir>/import.yaml` when it exists */
  mapping?: string;
  /** Report only; write nothing. @default false */
  dryRun?: boolean;
  /** Write even when the estate would not validate. @default false */
  force?: boolean;
}

/** Import one source's exports into `estate/imported-<source>.yaml`. */
export async function runImport(opts: ImportOptions): Promise<ImportResult> {
  const dir = opts.dir ?? ".";
  const { rules } = await loadRules(dir, opts.mapping);
  const ctx: SourceContext = { rules, ...(opts.site ? { site: opts.site } : {}), ...(opts.organisation ? { organisation: opts.organisation } : {}) };
  const proposal = await READERS[opts.source](opts.files.map((f) => ({ path: f, name: basename(f) })), ctx);

  const view = await readEstate(dir, opts.source);
  const ownFile = importedFile(opts.source);
  const own = view.managed.get(ownFile)!;
  const base = await readBase(dir, opts.source);
  const rec = reconcile(proposal, view, ownFile);
  const applied = applyEntries(own.doc, ownFile, own.text, opts.source, rec.own, base);
  if (applied.dirty) own.dirty = true;
  const linked = applyLinks(proposal, view, ownFile, rec.own, rec.remap, base);
  const nextBase: Base = { lists: applied.base.lists, links: linked.links };
  if (linked.unowned > 0) proposal.read.push(`${linked.unowned} dependency link(s) left out: no application owns one of their servers`);

  // The new texts; unchanged documents are left byte for byte as they are.
  const texts = new Map<string, string>();
  for (const m of view.managed.values()) {
    if (!m.dirty) continue;
    const text = m.doc.toString({ lineWidth: 0 });
    if (text !== m.text && !(m.text === "" && !hasEntries(m.doc))) texts.set(m.file, text);
  }
  const baseText = JSON.stringify(sortKeys(nextBase), null, 1) + "\n";
  const oldBase = await readFile(join(dir, baseFile(opts.source)), "utf8").catch(() => "");
  if (baseText !== oldBase && (texts.size > 0 || oldBase !== "")) texts.set(baseFile(opts.source), baseText);

  const result: ImportResult = {
    source: opts.source,
    read: proposal.read,
    changes: sortChanges([...rec.changes, ...applied.changes, ...linked.changes]),
    warnings: sortDiagnostics([...proposal.warnings, ...rec.warnings, ...applied.warnings, ...linked.warnings]),
    files: [...texts.keys()].sort(),
    invalid: [],
    written: false,
    dryRun: Boolean(opts.dryRun),
  };
  const yamlChanged = [...texts.keys()].some((f) => f.endsWith(".yaml"));
  if (!yamlChanged && texts.size === 0) return result;
  const staged = new Map(view.texts);
  for (const [f, t] of texts) if (f.endsWith(".yaml")) staged.set(f, t);
  result.invalid = await validateStaged(dir, staged);
  if (opts.dryRun) return result;
  if (result.invalid.length > 0 && !opts.force) return result;
  await writeAll(new Map([...texts].map(([f, t]) => [resolve(dir, f), t])));
  result.written = true;
  return result;
}

async function readBase(dir: string, source: SourceName): Promise<Base> {
  const path = join(dir, baseFile(source));
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return emptyBase();
  }
  try {
    const data = JSON.parse(text) as Partial<Base>;
    return { lists: { ...emptyBase().lists, ...(data.lists ?? {}) }, links: data.links ?? {} };
  } catch (err) {
    throw new FerryError("import-unreadable", `${baseFile(source)} is not valid JSON (${(err as Error).message})`, `It records what the last import wrote. Restore it from version control, or delete it: every imported field then counts as hand-set until the next import.`);
  }
}

function hasEntries(doc: { has: (k: string) => boolean }): boolean {
  return ["sites", "networks", "hosts", "applications"].some((l) => doc.has(l));
}

/** Objects with sorted keys (arrays kept in order), so the base file is the same bytes for the same content. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

export function isSource(s: string): s is SourceName {
  return (SOURCES as readonly string[]).includes(s);
}
