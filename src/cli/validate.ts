import { statSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, openDocumentCache } from "../journal/document-cache.js";
import { formatDiagnostic } from "../model/diagnostics.js";
import { loadProject, type Project } from "../model/load.js";
import { statusLine } from "./common/status-line.js";
import { countProject, type ProjectCounts } from "../model/summary.js";
import { VERSION } from "./version.js";

/**
 * The cache's notion of "this ferry": the version, and when the installed model code was built,
 * so a rebuilt or reinstalled ferry never reuses what an older build checked.
 */
function cacheVersion(): string {
  try {
    const here = fileURLToPath(import.meta.url);
    return `${VERSION}+${statSync(fileURLToPath(new URL(`../model/load${extname(here)}`, import.meta.url))).mtimeMs}`;
  } catch {
    return VERSION;
  }
}

/** Whether validate may use .ferry/cache: not with --no-cache, nor with FERRY_CACHE=off (or 0, false, no). */
export function cacheEnabled(opts: { cache?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return opts.cache !== false && !/^(off|0|false|no)$/i.test(env.FERRY_CACHE ?? "");
}

/** Load the project with the status line, through the document cache unless it is turned off. */
async function loadWithCache(dir: string, useCache: boolean): Promise<Project> {
  const status = statusLine();
  const cache = useCache ? openDocumentCache(cacheDir(dir), cacheVersion()) : undefined;
  try {
    return await loadProject(dir, {
      cache,
      progress: (p) => ("checking" in p ? status.update("checking references and networks…", true) : status.update(`reading ${p.file} (${p.index + 1}/${p.total})`)),
    });
  } finally {
    status.done();
    await cache?.flush();
  }
}

/** `ferry validate`: load everything, print every finding, exit 2 on any error. */
export async function validateCommand(opts: { dir: string; json?: boolean; quiet?: boolean; cache?: boolean }): Promise<number> {
  const project = await loadWithCache(opts.dir, cacheEnabled(opts));
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  const warnings = project.diagnostics.filter((d) => d.severity === "warning");
  const counts = countProject(project);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ok: errors.length === 0, errors, warnings, counts }, null, 2) + "\n");
    return errors.length ? 2 : 0;
  }
  for (const d of opts.quiet ? errors : project.diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
  if (!opts.quiet) {
    process.stdout.write(summaryText(counts, [...project.stacks.keys()]));
    process.stdout.write(
      errors.length
        ? `\n✗ ${errors.length} error${errors.length === 1 ? "" : "s"}, ${warnings.length} warning${warnings.length === 1 ? "" : "s"}: fix the errors above (path:line:col) and run again.\n`
        : `\n✓ valid${warnings.length ? ` (${warnings.length} warning${warnings.length === 1 ? "" : "s"}: review them above)` : ""}\n`,
    );
  }
  return errors.length ? 2 : 0;
}

/** A few lines describing the estate, for people. */
export function summaryText(c: ProjectCounts, stacks: string[]): string {
  const list = (r: Record<string, number>) => Object.entries(r).map(([k, v]) => `${v} ${k}`).join(", ");
  return [
    `estate:   ${c.organisations} organisations, ${c.sites} sites, ${c.networks} networks, ${c.hosts} hosts, ${c.applications} applications, ${c.datasets} data sets`,
    `          delivery: ${list(c.byDelivery) || "none"}`,
    `          disposition: ${list(c.byDisposition) || "none"}`,
    `          dependencies: ${c.dependencies.together} together, ${c.dependencies.ordered} ordered, ${c.dependencies.recorded} recorded only`,
    `runbooks: ${c.runbooks}`,
    `stacks:   ${stacks.length ? stacks.join(", ") : "none"}`,
    "",
  ].join("\n");
}
