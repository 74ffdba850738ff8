import { isAbsolute, join, relative, resolve } from "node:path";
import { loadValidProject } from "./common/load-project.js";
import { planWaves, serializePlan } from "../planner/index.js";
import { renderPack } from "../report/index.js";
import { readApprovals } from "./report.js";
import { planSummaryText } from "../report/summary.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";

/** Options of the hidden `ferry start` command (what `npm start` runs). */
export interface StartRunOptions {
  /** Project directory holding estate/, runbooks/ and stacks/. @default "." */
  dir: string;
  /** Where the output goes. @default process.stdout */
  out?: NodeJS.WritableStream;
}

/** What `ferry start` wrote. */
export interface StartResult {
  plan: string;
  files: string[];
}

/**
 * The main job on the bundled example: validate the project, plan it to
 * `plans/example.json`, write the change-board pack under `reports/`, and print the wave
 * summary with the path of the HTML pack. Invalid input throws InputError (exit 2).
 */
export async function startCommand(opts: StartRunOptions): Promise<StartResult> {
  const out = opts.out ?? process.stdout;
  const project = await loadValidProject(opts.dir);
  // Warnings are expected in the example (it shows colliding legacy networks on purpose):
  // count them here; `ferry validate` prints each one.
  const warnings = new Map<string, number>();
  for (const d of project.diagnostics) if (d.severity === "warning") warnings.set(d.code, (warnings.get(d.code) ?? 0) + 1);
  const warned = [...warnings].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => `${c} ${n}`).join(", ");
  out.write(`✓ valid: ${project.estate.applications.length} applications, ${project.runbooks.size} runbooks, ${project.stacks.size} stacks${warned ? ` (warnings: ${warned}; \`ferry validate\` shows them)` : ""}\n`);

  const plan = planWaves(project);
  const planFile = join(opts.dir, "plans", "example.json");
  await writeFileAtomic(planFile, serializePlan(plan));

  const pack = renderPack({ plan, estate: project.estate, runbooks: project.runbooks, drift: [], approvals: await readApprovals(opts.dir, plan, []) });
  const files: string[] = [];
  for (const [name, text] of Object.entries(pack)) {
    const path = join(opts.dir, "reports", name);
    await writeFileAtomic(path, text);
    files.push(path);
  }
  const html = files.find((f) => f.endsWith(".html"))!;
  // Paths below the working directory are shown relative to it (`reports/cab-pack.html`).
  const shown = (p: string) => {
    const rel = relative(process.cwd(), p);
    return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : resolve(p);
  };
  out.write(`\n${planSummaryText(plan)}\n`);
  out.write(`plan:  ${shown(planFile)}\npack:  ${files.map(shown).join(", ")}\n\nOpen the change-board pack: ${shown(html)}\n`);
  return { plan: planFile, files };
}
