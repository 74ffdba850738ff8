/**
 * Planning cost (issue 3, item 8): median wall time of `planWaves` on the bundled example and on
 * `ferry example` estates, beside the cost of loading and checking the same project (what
 * `ferry validate` does) measured in the same run, so the table shows planning as a ratio of
 * loading. Rendering the change-board pack is timed too. In-process, so node start-up and
 * module loading are left out of both sides.
 */
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateExample } from "../src/example/generate.js";
import { loadProject, type Project } from "../src/model/load.js";
import { planWaves, serializePlan } from "../src/planner/index.js";
import { renderPack } from "../src/report/index.js";
import type { BenchTable } from "./table.js";
import { median } from "./table.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TARGET_100K_MS = 2000;

function timed<T>(fn: () => T): { ms: number; value: T } {
  const started = process.hrtime.bigint();
  const value = fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

async function timedAsync<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, value };
}

/** A project directory as `ferry example` writes it: a generated estate of `apps` applications and the bundled runbooks. */
function generated(apps: number): string {
  const dir = mkdtempSync(join(tmpdir(), `ferry-bench-plan-${apps}-`));
  for (const f of generateExample({ apps, seed: 1 })) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.text);
  }
  cpSync(join(ROOT, "runbooks"), join(dir, "runbooks"), { recursive: true });
  return dir;
}

export default async function run(): Promise<BenchTable[]> {
  const sizes = (process.env.FERRY_BENCH_PLAN_SIZES ?? "example,1000,10000").split(",").map((s) => s.trim());
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  for (const size of sizes) {
    const apps = size === "example" ? 0 : Number(size);
    const dir = size === "example" ? ROOT : generated(apps);
    const runs = apps >= 100_000 ? 3 : apps >= 10_000 ? 3 : 7;
    const loads: number[] = [];
    const plans: number[] = [];
    const packs: number[] = [];
    let project: Project | undefined;
    let summary = "";
    for (let i = 0; i < runs; i++) {
      const load = await timedAsync(() => loadProject(dir));
      loads.push(load.ms);
      project = load.value;
      const plan = timed(() => serializePlan(planWaves(project!)));
      plans.push(plan.ms);
      if (i < (apps >= 10_000 ? 1 : 3)) {
        const parsed = JSON.parse(plan.value);
        packs.push(timed(() => renderPack({ plan: parsed, estate: project!.estate, runbooks: project!.runbooks })).ms);
        summary = `${parsed.waves.length} waves, ${parsed.unplaced.length} unplaced, ${parsed.warnings.length} warnings`;
      }
    }
    const errors = project!.diagnostics.filter((d) => d.severity === "error").length;
    if (errors > 0) notes.push(`The ${size}-application estate has ${errors} validation errors (generator); \`ferry plan\` would refuse it, the planner timing uses the entries that loaded.`);
    const load = median(loads);
    const plan = median(plans);
    rows.push([
      size === "example" ? `bundled example (${project!.estate.applications.length})` : apps.toLocaleString("en-GB"),
      load.toFixed(0),
      plan.toFixed(1),
      `${((plan / load) * 100).toFixed(1)}%`,
      median(packs).toFixed(0),
      summary,
      (process.resourceUsage().maxRSS / 1024).toFixed(0),
    ]);
  }
  const big = rows.find((r) => r[0] === "100,000");
  return [
    {
      title: "Wave planning vs loading the project (median wall ms, in-process)",
      columns: ["applications", "load+check ms (validate)", "plan ms", "plan / load", "pack render ms", "result", "peak RSS so far MB"],
      rows,
      notes: [
        "load+check: `loadProject` (parse every YAML file, schemas, references, network overlaps), the work of `ferry validate`; peer measured in the same run.",
        "plan: `planWaves` + `serializePlan` (groups, cycles, placement, warnings, input digests, RFC 8785 hash). pack render: HTML + Markdown + CSV.",
        `Generated estates: \`ferry example --apps N --seed 1\` (~3 links per application). Sizes: FERRY_BENCH_PLAN_SIZES (default example,1000,10000; add 100000 for the issue's target of under ${TARGET_100K_MS} ms planning).`,
        ...(big ? [`100k target (plan under ${TARGET_100K_MS} ms): ${Number(big[2]) < TARGET_100K_MS ? "met" : "NOT met"} (${big[2]} ms).`] : []),
        `node ${process.version}, ${process.platform}/${process.arch}; peak RSS is the bench process's high-water mark, sizes run in ascending order.`,
        ...notes,
      ],
    },
  ];
}
