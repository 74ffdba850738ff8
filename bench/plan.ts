/**
 * Planning cost (issue 3, item 8): `ferry plan` on `ferry example` estates of 1k, 10k and 100k
 * applications, beside the validate-only cost (load and check, what `ferry validate` does) in the
 * same run. Each measurement runs in its own node process started for it, so peak RSS belongs to
 * that one job and is not a high-water mark left by an earlier size. Times are measured inside the
 * child (node start-up and module loading left out on both sides). Target: planning work on top
 * of validation under 2 s at 100k, peak memory under 1 GiB.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { BenchTable } from "./table.js";
import { median } from "./table.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const DIST = join(ROOT, "dist");
const TARGET_MS = 2000;
const TARGET_RSS_MB = 1024;
const TARGET_APPS = 100_000;

/** What a child reports on its last stdout line. */
interface ChildReport {
  loadMs: number;
  /** Planning (planWaves + serializePlan) per repetition, the first one cold as in `ferry plan`. */
  planMs: number[];
  /** Hashing the finished plan and writing its text, alone, per repetition. */
  fileMs: number[];
  /** graphology building the group graph plus graphology-dag's topological sort, alone. */
  graphMs: number;
  /** RSS after loading (after a full GC) and right after the first planning run. */
  rssAfterLoadMb: number;
  rssAfterPlanMb: number;
  peakRssMb: number;
  summary: string;
}

/**
 * The child: load and check the project (what `ferry validate` does), then, in plan mode, plan it
 * `reps` times. Built from dist/ (npm run bench builds first) so it runs what the CLI runs.
 */
const CHILD = `
const url = (p) => new URL(p, ${JSON.stringify(pathToFileURL(`${DIST}/`).href)}).href;
const { loadProject, assertValid } = await import(url("model/load.js"));
const { planWaves, serializePlan } = await import(url("planner/index.js"));
const dir = process.env.FERRY_BENCH_DIR, mode = process.env.FERRY_BENCH_MODE, reps = Number(process.env.FERRY_BENCH_REPS);
const mb = (bytes) => bytes / 1048576;
let t = performance.now();
const project = await loadProject(dir);
assertValid(project);
const loadMs = performance.now() - t;
globalThis.gc?.();
const rssAfterLoadMb = mb(process.memoryUsage().rss);
let rssAfterPlanMb = rssAfterLoadMb, summary = "";
const planMs = [];
let plan;
for (let i = 0; mode === "plan" && i < reps; i++) {
  t = performance.now();
  plan = planWaves(project);
  const text = serializePlan(plan);
  planMs.push(performance.now() - t);
  if (i === 0) {
    rssAfterPlanMb = mb(process.memoryUsage().rss);
    summary = plan.waves.length + " waves, " + plan.unplaced.length + " unplaced, " + plan.warnings.length + " warnings, " + (text.length / 1048576).toFixed(1) + " MB";
  }
}
// The plan file's own floor: its RFC 8785 hash and its text, which every plan needs whatever the
// planner does, timed alone on the plan just made.
// Read the peak first: this extra work is not part of what ferry plan holds in memory.
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const { computePlanHash } = await import(url("planner/canonical.js"));
globalThis.gc?.();
const fileMs = [];
for (let i = 0; mode === "plan" && i < reps; i++) {
  t = performance.now();
  computePlanHash(plan);
  serializePlan(plan);
  fileMs.push(performance.now() - t);
}
// The library floor, in a child of its own so its graph does not count in the plan child's peak:
// graphology building the planner's group graph and graphology-dag sorting it, nothing else.
let graphMs = 0;
if (mode === "graph") {
  const { collectFacts } = await import(url("planner/facts.js"));
  const { buildGroups } = await import(url("planner/groups.js"));
  const { DirectedGraph } = await import("graphology");
  const { forEachNodeInTopologicalOrder } = await import("graphology-dag");
  const { groups, edges } = buildGroups(collectFacts(project.estate));
  t = performance.now();
  const graph = new DirectedGraph({ allowSelfLoops: false });
  for (let g = 0; g < groups.length; g++) graph.addNode(g);
  for (let g = 0; g < groups.length; g++) for (let i = edges.predStart[g]; i < edges.predStart[g + 1]; i++) graph.addDirectedEdgeWithKey(i, edges.predGroup[i], g);
  forEachNodeInTopologicalOrder(graph, () => {});
  graphMs = performance.now() - t;
}
console.log(JSON.stringify({ loadMs, planMs, fileMs, graphMs, rssAfterLoadMb, rssAfterPlanMb, peakRssMb, summary }));
`;

function runNode(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`node ${args.slice(0, 3).join(" ")} exited ${code}: ${err.slice(-800)}`))));
  });
}

async function child(dir: string, mode: "validate" | "plan" | "graph", reps: number): Promise<ChildReport> {
  const out = await runNode(["--expose-gc", "--input-type=module", "-e", CHILD], { FERRY_BENCH_DIR: dir, FERRY_BENCH_MODE: mode, FERRY_BENCH_REPS: String(reps) });
  return JSON.parse(out.trim().split("\n").pop()!) as ChildReport;
}

/** A project as `ferry example --apps N --seed 1` writes it (estate and the bundled runbooks). */
async function example(apps: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `ferry-bench-plan-${apps}-`));
  await runNode([join(DIST, "cli/main.js"), "example", "--apps", String(apps), "--seed", "1", "--out", dir, "--force"]);
  return dir;
}

/** Repetitions per size: fewer for 100k, whose loading alone takes a minute or more here. */
function repetitions(apps: number): { validates: number; plans: number } {
  if (apps >= 100_000) return { validates: 1, plans: 3 };
  if (apps >= 10_000) return { validates: 3, plans: 5 };
  return { validates: 5, plans: 7 };
}

const fmt = (ms: number) => (ms >= 10_000 ? ms.toFixed(0) : ms.toFixed(1));

export default async function run(): Promise<BenchTable[]> {
  if (!existsSync(join(DIST, "planner/index.js"))) throw new Error("bench/plan needs dist/: run `npm run build` (npm run bench does)");
  const sizes = (process.env.FERRY_BENCH_PLAN_SIZES ?? "1000,10000,100000").split(",").map((s) => s.trim());
  const rows: (string | number)[][] = [];
  const verdicts: string[] = [];
  for (const size of sizes) {
    const apps = size === "example" ? 0 : Number(size);
    const dir = size === "example" ? ROOT : await example(apps);
    try {
      const reps = repetitions(apps);
      const validates: ChildReport[] = [];
      for (let i = 0; i < reps.validates; i++) validates.push(await child(dir, "validate", 0));
      const planned = await child(dir, "plan", reps.plans);
      const graph = await child(dir, "graph", 0);
      const validateMs = median(validates.map((v) => v.loadMs));
      const cold = planned.planMs[0]!;
      const warm = median(planned.planMs);
      const fileMs = median(planned.fileMs);
      const floor = graph.graphMs + fileMs;
      const validatePeak = Math.max(...validates.map((v) => v.peakRssMb));
      rows.push([
        size === "example" ? "bundled example" : apps.toLocaleString("en-GB"),
        fmt(validateMs),
        fmt(planned.loadMs + cold),
        fmt(cold),
        fmt(warm),
        fmt(graph.graphMs),
        fmt(fileMs),
        fmt(floor),
        `${((cold / validateMs) * 100).toFixed(1)}%`,
        validatePeak.toFixed(0),
        planned.peakRssMb.toFixed(0),
        Math.max(0, planned.rssAfterPlanMb - planned.rssAfterLoadMb).toFixed(0),
        planned.summary,
      ]);
      if (apps === TARGET_APPS) {
        verdicts.push(`Time target (100k planned in under ${TARGET_MS} ms on top of validation): ${cold < TARGET_MS ? "MET" : "NOT MET"} (${fmt(cold)} ms cold, ${fmt(warm)} ms median of ${reps.plans}).`);
        verdicts.push(
          `Floor at 100k: ${fmt(floor)} ms before any planning decision (graphology building and sorting the group graph, ${fmt(graph.graphMs)} ms; hashing and writing the plan, ${fmt(fileMs)} ms): ${floor < TARGET_MS ? `${fmt(TARGET_MS - floor)} ms of the ${TARGET_MS} ms budget left for grouping, placement and warnings` : `already over the ${TARGET_MS} ms budget on this machine`}.`,
        );
        verdicts.push(
          `Memory target (peak under ${TARGET_RSS_MB} MB): ${planned.peakRssMb < TARGET_RSS_MB ? "MET" : "NOT MET"} (peak ${planned.peakRssMb.toFixed(0)} MB for plan, ${validatePeak.toFixed(0)} MB for validate alone; planning itself adds ${Math.max(0, planned.rssAfterPlanMb - planned.rssAfterLoadMb).toFixed(0)} MB to the loaded project).`,
        );
      }
    } finally {
      if (size !== "example") rmSync(dir, { recursive: true, force: true });
    }
  }
  if (!sizes.includes(String(TARGET_APPS))) verdicts.push("Targets not judged: the 100000 size was not run (FERRY_BENCH_PLAN_SIZES).");
  return [
    {
      title: "`ferry plan` vs `ferry validate` on `ferry example` estates (median wall ms, in-process; RSS in MB)",
      columns: ["applications", "validate ms", "plan ms (load+plan)", "planning on top ms (cold)", "planning ms (median)", "graph library alone ms", "plan hash + text alone ms", "floor ms", "on top / validate", "validate peak RSS", "plan peak RSS", "planning RSS added", "result"],
      rows,
      notes: [
        ...verdicts,
        "validate: `loadProject` + `assertValid` (parse every YAML file, schemas, references, network overlaps), the work of `ferry validate`; the peer, measured in the same run in its own process.",
        "plan: the same load, then `planWaves` + `serializePlan` (groups, cycles, placement, warnings, input digests, RFC 8785 hash, plan text) once cold, as `ferry plan` does; planning on top is that cold planning step, timed in the same process right after its load (timing it as the difference of two 100k loads would drown it in load-time noise). The median is over repeated planning of the loaded project.",
        "Graph library alone: building the planner's group graph in graphology and sorting it with graphology-dag, the graph work the planning rules need, which ferry leaves to a graph library; timed by itself in a child of its own after the same load. Plan hash + text alone: `computePlanHash` and `serializePlan` on the finished plan, what any plan of that size costs to hash (RFC 8785) and write. Floor: the two together, work the issue and the plan format impose whatever the planner decides (graph work through a library; a SHA-256 over the RFC 8785 form and the plan text).",
        "Peak RSS is each child process's high-water mark; planning RSS added is RSS right after the first planning run minus RSS after the load (after a full GC).",
        "Estates: `ferry example --apps N --seed 1` (~3 links per application). Sizes: FERRY_BENCH_PLAN_SIZES (default 1000,10000,100000; `example` adds the bundled example).",
        `node ${process.version}, ${process.platform}/${process.arch}.`,
      ],
    },
  ];
}
