/** `ferry import`: flags in, the import's report out as text or JSON, exit code from the outcome. */
import { FerryError } from "../model/codes.js";
import { formatDiagnostic, UsageError } from "../model/diagnostics.js";
import type { ImportResult } from "../import/index.js";

export interface ImportFlags {
  dir: string;
  site?: string;
  organisation?: string;
  mapping?: string;
  dryRun?: boolean;
  force?: boolean;
  json?: boolean;
}

export async function importCommand(source: string, files: string[], flags: ImportFlags): Promise<number> {
  const { runImport, isSource, SOURCES } = await import("../import/index.js");
  if (!isSource(source)) throw new UsageError(`unknown source ${JSON.stringify(source)}; choose one of ${SOURCES.join(", ")}`);
  const result = await runImport({
    source,
    files,
    dir: flags.dir,
    ...(flags.site ? { site: flags.site } : {}),
    ...(flags.organisation ? { organisation: flags.organisation } : {}),
    ...(flags.mapping ? { mapping: flags.mapping } : {}),
    dryRun: Boolean(flags.dryRun),
    force: Boolean(flags.force),
  });
  const refused = result.invalid.length > 0 && !result.written && !result.dryRun;
  if (flags.json) process.stdout.write(JSON.stringify({ ok: !refused, ...result }, null, 2) + "\n");
  else process.stdout.write(renderImport(result));
  if (refused) {
    throw new FerryError("import-invalid-result", `the estate would not validate after importing ${source} (${result.invalid.length} error(s) above); nothing was written`, "Fix the findings or the mapping in import.yaml, or pass --force to write anyway.");
  }
  return 0;
}

/** The report as a person reads it: what was read, what changed, warnings, the outcome. */
export function renderImport(r: ImportResult): string {
  const out: string[] = [];
  for (const line of r.read) out.push(`read ${line}`);
  const count = (what: string) => r.changes.filter((c) => c.what === what).length;
  out.push(`${count("added")} added, ${count("changed")} changed, ${count("removed")} removed, ${count("merged")} merged with other estate files${count("manual") ? `, ${count("manual")} to add by hand` : ""}`);
  for (const c of r.changes) out.push(`  ${c.what.padEnd(7)} ${c.kind} ${c.id} (${c.file}): ${c.detail}`);
  for (const w of r.warnings) out.push(formatDiagnostic(w));
  for (const d of r.invalid) out.push(formatDiagnostic(d));
  if (r.dryRun) out.push(`dry run: nothing written${r.files.length ? ` (would write ${r.files.join(", ")})` : ""}`);
  else if (r.written) out.push(`wrote ${r.files.join(", ")}`);
  else if (r.files.length === 0) out.push("no changes: nothing written");
  else if (r.invalid.length > 0) out.push("not written: the estate would not validate (--force writes it anyway)");
  return out.join("\n") + "\n";
}
