/**
 * `ferry timings` over journals written by real runs: two rehearsals and one real run of local
 * steps that sleep for known times, then the figures as a user reads them. Every duration is at
 * least the sleep (the step cannot finish sooner); the upper bounds only guard against a
 * measurement of the wrong interval, as the machine may be busy.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferryIn, planAndApprove, runProject } from "./run-project.js";
import type { TimingsReport } from "../../src/runs/timings.js";

let dir: string;
let report: TimingsReport;

beforeAll(async () => {
  dir = runProject([{ id: "payroll", runbook: "timed" }, { id: "gis", runbook: "timed" }, { id: "legacy", runbook: "fails" }], {
    // Its second step fails, so the first is undone: its rollback is measured, the failure is not.
    fails: `steps:
  - id: prepare
    local: { run: "sleep 0.1" }
    rollback: { local: { run: "sleep 0.2" } }
  - id: cutover
    local: { run: "exit 1" }
`,
    timed: `steps:
  - id: short
    estimate: 100ms
    local: { run: "sleep 0.1" }
    rollback: { local: { run: "true" } }
  - id: long
    estimate: 200ms
    local: { run: "sleep 0.4" }
verify:
  - id: settled
    local: { run: "sleep 0.05" }
    within: 10s
`,
  });
  const plan = await planAndApprove(dir);
  for (const args of [["--rehearsal"], ["--rehearsal"], []]) {
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--concurrency", "1", "--max-failures", "unlimited", ...args]);
    // Exit 1: `legacy` failed and was rolled back, as it is meant to.
    if (r.code !== 1) throw new Error(`ferry run ${args.join(" ")} failed (${r.code}): ${r.stderr}${r.stdout}`);
  }
  // A journal that cannot be read is reported, and the others are measured all the same.
  mkdirSync(join(dir, ".ferry", "runs", "20200101-000000-abcdef"), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, ".ferry", "runs", "20200101-000000-abcdef", "journal.ndjson"), "not a record\n{}\n", { mode: 0o600 });
  const t = await ferryIn(dir, ["timings", "--json"]);
  expect(t.code, t.stderr).toBe(0);
  report = JSON.parse(t.stdout) as TimingsReport;
}, 120_000);

describe("ferry timings", () => {
  it("counts every execution of each step, rehearsals and real runs labelled", () => {
    expect(report.runs).toEqual({ rehearsals: 2, real: 1 });
    const short = report.steps.find((s) => s.step === "short" && s.kind === "step")!;
    // Two applications in each of three runs.
    expect(short).toMatchObject({ runbook: "timed", all: { count: 6 }, rehearsals: { count: 4 }, real: { count: 2 }, runs: 3, replacesEstimate: true });
    expect(report.steps.map((s) => `${s.runbook}:${s.kind}:${s.step}`)).toEqual(["fails:step:prepare", "fails:rollback:prepare", "timed:step:short", "timed:step:long", "timed:verify:settled"]);
  });

  it("measures the durations the steps took: never less than their sleeps", () => {
    const by = (step: string) => report.steps.find((s) => s.step === step)!;
    for (const [step, sleep] of [["short", 100], ["long", 400], ["settled", 50]] as const) {
      const t = by(step);
      expect(t.all.p50Ms, step).toBeGreaterThanOrEqual(sleep);
      expect(t.all.p90Ms, step).toBeGreaterThanOrEqual(t.all.p50Ms);
      expect(t.all.p50Ms, step).toBeLessThan(sleep + 5000);
      expect(t.rehearsals!.p50Ms, step).toBeGreaterThanOrEqual(sleep);
      expect(t.real!.p50Ms, step).toBeGreaterThanOrEqual(sleep);
    }
    expect(by("long").all.p50Ms - by("short").all.p50Ms).toBeGreaterThan(150);
    const undo = report.steps.find((s) => s.kind === "rollback")!;
    expect(undo).toMatchObject({ runbook: "fails", step: "prepare", all: { count: 3 }, rehearsals: { count: 2 }, real: { count: 1 } });
    expect(undo.all.p50Ms).toBeGreaterThanOrEqual(200);
    expect(undo.all.p50Ms).toBeLessThan(200 + 5000);
  });

  it("gives the drift from each step's estimate", () => {
    const long = report.steps.find((s) => s.step === "long")!;
    expect(long.estimate).toEqual({ p50Ms: 200, p90Ms: 300, source: "estimate", varies: false });
    // At least 400ms against 200ms estimated: at least twice as long.
    expect(long.drift).toBeGreaterThanOrEqual(1);
    const settled = report.steps.find((s) => s.step === "settled")!;
    expect(settled.estimate?.source).toBe("default");
  });

  it("reports a journal it cannot read and measures the others", () => {
    expect(report.unreadable).toEqual([expect.objectContaining({ runId: "20200101-000000-abcdef", code: "journal-corrupt" })]);
  });

  it("prints a table per runbook, and refuses an unknown runbook", async () => {
    const text = await ferryIn(dir, ["timings", "--runbook", "timed"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^runbook timed\n {2}STEP +KIND +N +REHEARSALS +REAL RUNS +MEDIAN +P90 +ESTIMATE +DRIFT +PLAN USES\n {2}short +step +6 +4 × \S+ +2 × \S+ /m);
    expect(text.stdout).toMatch(/measured in 2 rehearsals and 1 real run/);
    expect(text.stdout).toMatch(/warning: run 20200101-000000-abcdef not measured \[journal-corrupt\]/);
    const unknown = await ferryIn(dir, ["timings", "--runbook", "nope"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/there is no runbook nope/);
  }, 30_000);
});
