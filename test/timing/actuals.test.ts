/**
 * Measuring step durations from a run's events (the pure part of timing/actuals.ts): what
 * counts, from when to when, and what is left out. Journals written by real runs are measured
 * end to end in test/cli/timings.test.ts.
 */
import { describe, expect, it } from "vitest";
import { quantile, samplesOfRun, stepActualsOf, summarize } from "../../src/timing/actuals.js";
import { RUN_EVENT_VERSION, type RunEvent, type RunEventInput } from "../../src/model/run-event.js";

const RUN = "20270112-190000-000001";
const T0 = Date.parse("2027-01-12T19:00:00.000Z");

/** Events at the given offsets (ms) from T0. */
function events(rehearsal: boolean, list: [number, RunEventInput][]): RunEvent[] {
  const header = {
    v: RUN_EVENT_VERSION,
    at: new Date(T0).toISOString(),
    run: RUN,
    type: "run.started",
    operator: "op",
    dryRun: false,
    runbooks: {},
    apps: [{ app: "a", runbook: "rb", hosts: [], steps: [] }],
    options: { concurrency: 1 },
    ...(rehearsal ? { rehearsal: true } : {}),
  } as RunEvent;
  return [header, ...list.map(([ms, e]) => ({ v: RUN_EVENT_VERSION, at: new Date(T0 + ms).toISOString(), run: RUN, ...e }) as RunEvent)];
}

const err = { code: "step-failed", message: "exit 1", transient: true, outcome: "failed" as const };

describe("samplesOfRun", () => {
  it("times prechecks, steps (retries included), verify gates and rollbacks from the marks before them", () => {
    const samples = samplesOfRun(
      events(true, [
        [100, { type: "app.started", app: "a" }],
        [400, { type: "precheck.passed", app: "a", step: "port" }],
        [450, { type: "step.started", app: "a", step: "copy", attempt: 1 }],
        [1450, { type: "step.attempt.failed", app: "a", step: "copy", attempt: 1, error: err, retryInMs: 500 }],
        [1950, { type: "step.started", app: "a", step: "copy", attempt: 2 }],
        [3450, { type: "step.succeeded", app: "a", step: "copy", attempt: 2, via: "action" }],
        [3700, { type: "verify.probe", app: "a", verify: "healthy", attempt: 1, ok: true, consecutive: 1 }],
        [4450, { type: "verify.passed", app: "a", verify: "healthy" }],
        [4500, { type: "rollback.started", app: "a", step: "copy", attempt: 1 }],
        [4800, { type: "rollback.succeeded", app: "a", step: "copy", attempt: 1, via: "action" }],
      ]),
    );
    expect(samples.map((s) => [s.kind, s.step, s.ms, s.rehearsal])).toEqual([
      ["precheck", "port", 300, true],
      ["step", "copy", 3000, true],
      ["verify", "healthy", 1000, true],
      ["rollback", "copy", 300, true],
    ]);
    expect(samples[0]).toMatchObject({ runId: RUN, app: "a", runbook: "rb", at: new Date(T0 + 400).toISOString() });
  });

  it("leaves out what spans a resume, what an operator or a check settled, and what failed", () => {
    const samples = samplesOfRun(
      events(false, [
        [0, { type: "app.started", app: "a" }],
        [10, { type: "step.started", app: "a", step: "s1", attempt: 1 }],
        [20, { type: "step.failed", app: "a", step: "s1", attempt: 1, error: err }],
        [30, { type: "step.started", app: "a", step: "s2", attempt: 1 }],
        [60_000, { type: "run.resumed", operator: "op" }],
        [60_010, { type: "step.succeeded", app: "a", step: "s2", attempt: 1, via: "check" }],
        [60_020, { type: "step.started", app: "a", step: "s3", attempt: 1 }],
        [60_030, { type: "step.succeeded", app: "a", step: "s3", attempt: 1, via: "operator" }],
        [60_040, { type: "step.started", app: "a", step: "s4", attempt: 1 }],
        [60_090, { type: "step.succeeded", app: "a", step: "s4", attempt: 1, via: "action" }],
      ]),
    );
    expect(samples.map((s) => [s.step, s.ms, s.rehearsal])).toEqual([["s4", 50, false]]);
  });

  it("measures nothing in a dry run's journal", () => {
    const evs = events(false, [
      [0, { type: "step.started", app: "a", step: "s1", attempt: 1 }],
      [10, { type: "step.succeeded", app: "a", step: "s1", attempt: 1, via: "action" }],
    ]);
    (evs[0] as { dryRun: boolean }).dryRun = true;
    expect(samplesOfRun(evs)).toEqual([]);
  });
});

describe("summaries", () => {
  it("interpolate percentiles between ranks, as spreadsheets' PERCENTILE.INC does", () => {
    expect(quantile([10], 0.9)).toBe(10);
    expect(quantile([10, 20], 0.5)).toBe(15);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
    expect(summarize([300, 100, 200])).toEqual({ count: 3, p50Ms: 200, p90Ms: 280 });
  });

  it("key steps by runbook and step, rollbacks as <step>:rollback, counting rehearsals and real runs", () => {
    const reh = samplesOfRun(
      events(true, [
        [0, { type: "step.started", app: "a", step: "s1", attempt: 1 }],
        [100, { type: "step.succeeded", app: "a", step: "s1", attempt: 1, via: "action" }],
        [150, { type: "rollback.started", app: "a", step: "s1", attempt: 1 }],
        [175, { type: "rollback.succeeded", app: "a", step: "s1", attempt: 1 }],
      ]),
    );
    const real = samplesOfRun(
      events(false, [
        [0, { type: "step.started", app: "a", step: "s1", attempt: 1 }],
        [300, { type: "step.succeeded", app: "a", step: "s1", attempt: 1, via: "action" }],
      ]),
    );
    const actuals = stepActualsOf([...reh, ...real]);
    expect(actuals.get("rb/s1")).toEqual({ count: 2, rehearsals: 1, real: 1, p50Ms: 200, p90Ms: 280 });
    expect(actuals.get("rb/s1:rollback")).toEqual({ count: 1, rehearsals: 1, real: 0, p50Ms: 25, p90Ms: 25 });
  });
});
