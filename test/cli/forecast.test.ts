/**
 * The live forecast as a user sees it: `ferry run` of a wave whose short window (a time of day
 * in the estate's calendar) leaves less time before the rollback decision point than the
 * steps' estimates need, so the forecast passes it at once and ferry warns, once; and a
 * rehearsal, whose window is counted from its own start, where it does not.
 *
 * The window opened two hours ago and closes within three minutes; the step estimates (40
 * minutes) fit the window as planned (from its start), but not from now. The steps themselves
 * take a fraction of a second, so the forecast falls as each one finishes (the second lasts
 * longer than the 250 ms between forecasts, so one falls while it runs).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ferryIn, planAndApprove, runProject, startFerry, untilLedger } from "./run-project.js";

const hhmm = (d: Date) => d.toISOString().slice(11, 16);
const opened = new Date(Date.now() - 2 * 3_600_000);
const closes = new Date(Date.now() + 3 * 60_000);

let dir: string;
let plan: string;
let realRun: string;

interface Line {
  type: string;
  [k: string]: unknown;
}
const linesOf = (stdout: string): Line[] => stdout.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line);

beforeAll(async () => {
  dir = runProject(
    [
      { id: "payroll", runbook: "cutover" },
      { id: "pensions", runbook: "held" },
    ],
    {
      cutover: `steps:
  - id: copy
    estimate: 30m
    local: { run: "sleep 0.2" }
    rollback: { local: { run: "true" }, estimate: 2m }
  - id: switch
    estimate: 10m
    local: { run: "sleep 0.4" }
`,
      held: `steps:
  - id: hold
    estimate: 20m
    local: { run: "echo hold >> ledger; while [ ! -f go ]; do sleep 0.05; done" }
    rollback: { local: { run: "true" }, estimate: 2m }
  - id: after
    estimate: 5m
    local: { run: "sleep 0.3" }
`,
    },
    { firstWave: opened.toISOString().slice(0, 10), window: { start: hhmm(opened), end: hhmm(closes), timezone: "UTC" } },
  );
  plan = await planAndApprove(dir);
}, 60_000);

describe("the live forecast", () => {
  it("carries the wave's forecast end in --json and warns once when it passes the rollback decision point", async () => {
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "payroll", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = linesOf(r.stdout);
    realRun = lines[0]!.run as string;
    const forecasts = lines.filter((l) => l.type === "forecast");
    expect(forecasts.length).toBeGreaterThanOrEqual(2);
    const first = forecasts[0]!;
    // At the start, both steps are left: 40 minutes by their estimates.
    expect(first.remainingMs as number).toBeGreaterThan(40 * 60_000 - 10_000);
    expect(first.remainingMs as number).toBeLessThanOrEqual(40 * 60_000);
    expect(Date.parse(first.windowEndsAt as string)).toBe(Date.parse(`${closes.toISOString().slice(0, 16)}:00.000Z`));
    expect(first.marginMs as number).toBeLessThan(0);
    // The decision point is the window's end less the wave's rollback at P90 (2m × 1.5 for each application).
    expect(Date.parse(first.windowEndsAt as string) - Date.parse(first.rollbackDecisionAt as string)).toBe(6 * 60_000);
    // It falls as the steps finish (forecasts after events come at most every 250 ms).
    const remaining = forecasts.map((f) => f.remainingMs as number);
    expect(remaining).toEqual([...remaining].sort((a, b) => b - a));
    expect(remaining.some((m) => m <= 10 * 60_000)).toBe(true); // `copy` done: at most `switch` left
    // The warning, once, naming the decision time.
    const warnings = lines.filter((l) => l.type === "warning" && l.code === "rollback-decision-point");
    expect(warnings).toHaveLength(1);
    const decision = (warnings[0]!.rollbackDecisionAt as string).slice(11, 16);
    expect(warnings[0]!.message).toMatch(new RegExp(`if you do not start rolling back by ${decision} UTC, rollback will not finish inside the window`));
    expect(r.stderr.match(/WARNING \[rollback-decision-point\]/g)).toHaveLength(1);
    // The forecast lines come between the run's events, after run.started.
    expect(lines.findIndex((l) => l.type === "run.started")).toBeLessThan(lines.findIndex((l) => l.type === "forecast"));
  }, 60_000);

  it("shows the forecast as text; a rehearsal counts the window from its own start", async () => {
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "payroll", "--rehearsal"]);
    expect(r.code, r.stderr).toBe(0);
    // A rehearsal counts the window from its own start: two hours and more ahead, so no warning.
    expect(r.stdout).toMatch(/^forecast: wave 1 \(rehearsal\) ends about \d\d:\d\d UTC \(40m00s left\); window ends \d\d:\d\d UTC, rollback decision by \d\d:\d\d UTC$/m);
    expect(r.stdout + r.stderr).not.toMatch(/rollback-decision-point/);
  }, 60_000);

  it("ferry status RUN shows, after the run, planned against actual per application and step", async () => {
    const json = JSON.parse((await ferryIn(dir, ["status", realRun, "--json"])).stdout);
    const review = json.review;
    expect(review.planned).toBe("plan");
    expect(review.wave.windowEndsAt).toBeDefined();
    expect(Date.parse(review.endedAt)).toBeGreaterThan(Date.parse(review.startedAt));
    const [payroll] = review.applications;
    expect(payroll).toMatchObject({ app: "payroll", status: "succeeded", planned: { p50Ms: 40 * 60_000, p90Ms: 60 * 60_000 } });
    expect(payroll.actualMs).toBeGreaterThanOrEqual(300);
    expect(payroll.entries.map((e: { id: string; kind: string; planned: { p50Ms: number } }) => [e.id, e.kind, e.planned.p50Ms])).toEqual([
      ["copy", "step", 30 * 60_000],
      ["switch", "step", 10 * 60_000],
    ]);
    expect(payroll.entries[0].actualMs).toBeGreaterThanOrEqual(200);
    expect(payroll.entries[1].actualMs).toBeGreaterThanOrEqual(100);

    const text = await ferryIn(dir, ["status", realRun]);
    expect(text.stdout).toMatch(/planned against actual \(post-implementation review\):\n {4}wave: planned 40m00s \(P90 1h00m\), took \d+ms -100%\n {4}from the window's start: planned to end \d\d:\d\d UTC \(P90 \d\d:\d\d UTC\), ended \d\d:\d\d UTC/);
    expect(text.stdout).toMatch(/^ {6}copy +step +planned 30m00s \(P90 45m00s\) +actual \d+ms -100%$/m);
  }, 60_000);

  it("forecasts what is left of a resumed run, from the plan it started with", async () => {
    const first = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "pensions", "--json"]);
    await untilLedger(join(dir, "ledger"), "hold");
    first.child.kill("SIGINT");
    await first.waitFor(/"type":"run.interrupted"/);
    writeFileSync(join(dir, "go"), "");
    const stopped = await first.done;
    expect(stopped.code, stopped.stderr).toBe(130);
    const runId = linesOf(stopped.stdout)[0]!.run as string;

    const r = await ferryIn(dir, ["resume", runId, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const lines = linesOf(r.stdout);
    const forecasts = lines.filter((l) => l.type === "forecast");
    // `hold` finished before the run stopped: only `after` is left, 5 minutes by its estimate.
    expect(forecasts[0]!.remainingMs as number).toBeGreaterThan(5 * 60_000 - 10_000);
    expect(forecasts[0]!.remainingMs as number).toBeLessThanOrEqual(5 * 60_000);
    expect(lines.filter((l) => l.type === "warning" && l.code === "rollback-decision-point")).toHaveLength(1);
  }, 60_000);
});
