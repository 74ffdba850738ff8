import { stat } from "node:fs/promises";
import { join } from "node:path";
import { UsageError } from "../model/diagnostics.js";
import { loadProjectForCommand } from "./shared/load-project.js";
import { checkInputsCurrent, verifyPlanHash } from "../planner/verify-plan.js";
import { renderPack, type ReportInputs } from "../report/index.js";
import { readPlanFile } from "../model/plan-file.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { statusLine } from "./shared/status-line.js";

/** Options of `ferry report`. */
export interface ReportRunOptions {
  plan: string;
  /** Output folder. @default `<dir>/reports` */
  out?: string;
  /** Project directory, for dependencies, runbook rollbacks and the drift check. @default "." */
  dir: string;
  json?: boolean;
}

/**
 * `ferry report`: render the change-board pack of a plan. A tampered plan is refused (a board
 * must see what was planned); drifted inputs are shown as a banner in the pack, since the board
 * is exactly who should see that before approving.
 */
export async function reportCommand(opts: ReportRunOptions): Promise<number> {
  const loaded = await readPlanFile(opts.plan);
  const hash = verifyPlanHash(loaded.raw);
  if (!hash.ok) {
    throw new UsageError(`${opts.plan} was modified after it was planned (content hashes to ${hash.computed}, it records ${hash.recorded || "no hash"})`, "plan-tampered", "Re-run `ferry plan`; a change board must review exactly what was planned.");
  }
  const inputs: ReportInputs = { plan: loaded.plan };
  const line = statusLine();
  try {
    const hasEstate = await stat(join(opts.dir, "estate")).then((s) => s.isDirectory(), () => false);
    if (hasEstate) {
      const project = await loadProjectForCommand(opts.dir, line);
      if (!project.diagnostics.some((d) => d.severity === "error")) {
        inputs.estate = project.estate;
        inputs.runbooks = project.runbooks;
        inputs.drift = checkInputsCurrent(loaded.plan, project).drifted.map((d) => d.message);
      } else {
        inputs.drift = [`the project in ${opts.dir} does not validate now (run \`ferry validate\`); dependencies and rollbacks are not shown`];
      }
    }
    line.update(`drawing the change-board pack (${loaded.plan.waves.length} waves)…`, true);
    const out = opts.out ?? join(opts.dir, "reports");
    const files = renderPack(inputs);
    const written: string[] = [];
    for (const [name, text] of Object.entries(files)) {
      const path = join(out, name);
      await writeFileAtomic(path, text);
      written.push(path);
    }
    line.done();
    if (opts.json) process.stdout.write(JSON.stringify({ ok: true, files: written }) + "\n");
    else process.stdout.write(`wrote ${written.join(", ")}\nopen ${written.find((f) => f.endsWith(".html"))} in a browser, or print it for the board\n`);
    return 0;
  } finally {
    line.done();
  }
}
