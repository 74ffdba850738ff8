/**
 * Start-up cost of the CLI (issue 6, item 7): median wall time of `ferry --help` and
 * `ferry validate` on the example project, run from the built dist/ as users run it. Peers in
 * the same run: bare node (the floor) and what loading the Pulumi runtime or one azure-native
 * module would add to every command if the CLI imported them at start-up.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BenchTable } from "./table.js";
import { median } from "./table.js";

const ROOT = join(import.meta.dirname, "..");
const CLI = join(ROOT, "dist", "cli", "main.js");
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 15);
const TARGET_HELP_MS = 300;

function time(args: string[]): { ms: number; status: number | null } {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: "ignore", timeout: 60_000 });
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, status: r.status };
}

function measure(args: string[]): { median: number; min: number; status: number | null } {
  time(args); // warm the file cache
  const runs = Array.from({ length: RUNS }, () => time(args));
  const ms = runs.map((r) => r.ms);
  return { median: median(ms), min: Math.min(...ms), status: runs[0]!.status };
}

export default async function run(): Promise<BenchTable[]> {
  if (!existsSync(CLI)) throw new Error("dist/cli/main.js is missing: run `npm run build` first (npm run bench does)");
  const cases: [string, string[]][] = [
    ["node -e 0 (floor)", ["-e", "0"]],
    ["ferry --help", [CLI, "--help"]],
    ["ferry validate (example)", [CLI, "validate", "--dir", ROOT, "--quiet"]],
    ["peer: import @pulumi/pulumi", ["--input-type=module", "-e", "await import('@pulumi/pulumi')"]],
    ["peer: import azure-native network", ["--input-type=module", "-e", "await import('@pulumi/azure-native/network/index.js')"]],
  ];
  const results = cases.map(([label, args]) => ({ label, ...measure(args) }));
  const floor = results[0]!.median;
  const help = results[1]!.median;
  return [
    {
      title: "CLI start-up (wall time, ms)",
      columns: ["command", "median", "min", "vs node floor", "exit"],
      rows: results.map((r) => [r.label, r.median.toFixed(0), r.min.toFixed(0), `${(r.median / floor).toFixed(1)}×`, String(r.status)]),
      notes: [
        `${RUNS} runs each after one warm-up, from dist/ (npm run build), node ${process.version}, ${process.platform}/${process.arch}.`,
        `Target: ferry --help under ${TARGET_HELP_MS} ms: ${help < TARGET_HELP_MS ? "met" : "NOT met"} (${help.toFixed(0)} ms).`,
        "The peer rows are what every command would pay if the CLI imported Pulumi at start-up; only `ferry deploy` loads them, lazily.",
      ],
    },
  ];
}
