import { formatDiagnostic } from "../model/diagnostics.js";
import type { ProjectCounts } from "../model/summary.js";
import { checkProject } from "../model/verdict.js";
import { progressOn, projectCache } from "./common/load-project.js";
import { statusLine } from "./common/status-line.js";

export { cacheEnabled } from "./common/load-project.js";

/** `ferry validate`: load everything, print every finding, exit 2 on any error. */
export async function validateCommand(opts: { dir: string; json?: boolean; quiet?: boolean; cache?: boolean }): Promise<number> {
  const status = statusLine();
  const cache = projectCache(opts.dir, opts);
  let verdict;
  try {
    verdict = await checkProject(opts.dir, { ...(cache ? { cache } : {}), progress: progressOn(status) });
  } finally {
    status.done();
    await cache?.flush();
  }
  const { diagnostics, counts } = verdict;
  const errors = diagnostics.filter((d) => d.severity === "error");
  const warnings = diagnostics.filter((d) => d.severity === "warning");
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ok: errors.length === 0, errors, warnings, counts }, null, 2) + "\n");
    return errors.length ? 2 : 0;
  }
  for (const d of opts.quiet ? errors : diagnostics) process.stderr.write(formatDiagnostic(d) + "\n");
  if (!opts.quiet) {
    process.stdout.write(summaryText(counts, verdict.stacks));
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
