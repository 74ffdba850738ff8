/**
 * The live forecast of a wave's end, against schedules computed by hand: what is left of each
 * application as its events arrive, and the rest queued under the run's limits.
 */
import { describe, expect, it } from "vitest";
import { makespan, WaveForecast, type ForecastApp } from "../../src/timing/forecast.js";
import { waveWindowTiming } from "../../src/runs/forecast.js";
import type { Wave } from "../../src/model/plan.js";
import { RUN_EVENT_VERSION, type RunEvent, type RunEventInput } from "../../src/model/run-event.js";

const T0 = Date.parse("2027-01-12T19:00:00.000Z");
const ev = (ms: number, e: RunEventInput): RunEvent => ({ v: RUN_EVENT_VERSION, at: new Date(T0 + ms).toISOString(), run: "r", ...e }) as RunEvent;

/** precheck p (100) → a (1000) → b (2000); c (500) alongside; verify v (300). Rollbacks: a 400, b 600. */
const app = (id: string, site = "guildhall", hosts = [`${id}-host`]): ForecastApp => ({
  id,
  site,
  hosts,
  prechecks: [{ id: "p", ms: 100 }],
  steps: [
    { id: "a", ms: 1000, needs: [] },
    { id: "b", ms: 2000, needs: ["a"] },
    { id: "c", ms: 500, needs: [] },
  ],
  verify: [{ id: "v", ms: 300 }],
  rollbackMs: { a: 400, b: 600 },
});

describe("makespan", () => {
  it("starts items in order as the limits leave room", () => {
    const three = [10, 10, 10].map((ms, i) => ({ site: "s", hosts: [`h${i}`], ms }));
    expect(makespan(three, { concurrency: 2 })).toBe(20);
    expect(makespan(three, { concurrency: 3 })).toBe(10);
    expect(makespan(three, { concurrency: 3, perSite: 1 })).toBe(30);
    const shared = [{ hosts: ["db"], ms: 5 }, { hosts: ["web"], ms: 7 }, { hosts: ["db"], ms: 5 }];
    expect(makespan(shared, { concurrency: 5, perHost: 1 })).toBe(10);
    expect(makespan([], { concurrency: 1 })).toBe(0);
  });
});

describe("WaveForecast", () => {
  it("forecasts a pending application's whole runbook: prechecks, the longest chain of steps, verify gates", () => {
    const f = new WaveForecast([app("x")], { concurrency: 1 });
    expect(f.remainingMs(T0)).toBe(100 + 3000 + 300);
    expect(f.endAt(T0)).toBe(T0 + 3400);
  });

  it("counts what a running step has left, and moves on with the clock once it overruns", () => {
    const f = new WaveForecast([app("x")], { concurrency: 1 });
    for (const e of [
      ev(0, { type: "app.started", app: "x" }),
      ev(100, { type: "precheck.passed", app: "x", step: "p" }),
      ev(100, { type: "step.started", app: "x", step: "a", attempt: 1 }),
      ev(100, { type: "step.started", app: "x", step: "c", attempt: 1 }),
    ]) {
      f.observe(e);
    }
    // At 600: a has 500 left, then b 2000; c's chain (0 left by 600) is shorter; then v.
    expect(f.remainingMs(T0 + 600)).toBe(500 + 2000 + 300);
    // At 5000 a has overrun: nothing left of it by its estimate; the end moves with the clock.
    expect(f.endAt(T0 + 5000)).toBe(T0 + 5000 + 2000 + 300);
    f.observe(ev(5000, { type: "step.succeeded", app: "x", step: "a", attempt: 1, via: "action" }));
    f.observe(ev(5000, { type: "step.succeeded", app: "x", step: "c", attempt: 1, via: "action" }));
    f.observe(ev(5000, { type: "step.started", app: "x", step: "b", attempt: 1 }));
    f.observe(ev(7000, { type: "step.succeeded", app: "x", step: "b", attempt: 1, via: "action" }));
    // The verify gate is under way since b ended.
    expect(f.remainingMs(T0 + 7100)).toBe(200);
    f.observe(ev(7300, { type: "verify.passed", app: "x", verify: "v" }));
    f.observe(ev(7300, { type: "app.finished", app: "x", status: "succeeded" }));
    expect(f.remainingMs(T0 + 7300)).toBe(0);
    f.observe(ev(7301, { type: "run.finished", status: "succeeded", exitCode: 0, counts: {} }));
    expect(f.endAt(T0 + 7301)).toBeUndefined();
  });

  it("forecasts the rollback of a failed application's completed steps", () => {
    const f = new WaveForecast([app("x")], { concurrency: 1 });
    f.observe(ev(0, { type: "app.started", app: "x" }));
    f.observe(ev(0, { type: "step.started", app: "x", step: "a", attempt: 1 }));
    f.observe(ev(1000, { type: "step.succeeded", app: "x", step: "a", attempt: 1, via: "action" }));
    f.observe(ev(1000, { type: "step.started", app: "x", step: "b", attempt: 1 }));
    f.observe(ev(1500, { type: "step.failed", app: "x", step: "b", attempt: 1, error: { code: "step-failed", message: "exit 1", transient: false, outcome: "failed" } }));
    expect(f.remainingMs(T0 + 1500)).toBe(400);
    f.observe(ev(1500, { type: "rollback.started", app: "x", step: "a", attempt: 1 }));
    expect(f.remainingMs(T0 + 1600)).toBe(300);
  });

  it("queues the applications not yet started behind those at work, under the limits", () => {
    const f = new WaveForecast([app("x"), app("y"), app("z", "abbey")], { concurrency: 2, perSite: 1 });
    f.observe(ev(0, { type: "app.started", app: "x" }));
    f.observe(ev(0, { type: "precheck.passed", app: "x", step: "p" }));
    f.observe(ev(0, { type: "step.started", app: "x", step: "a", attempt: 1 }));
    f.observe(ev(0, { type: "step.started", app: "x", step: "c", attempt: 1 }));
    f.observe(ev(0, { type: "app.started", app: "z" }));
    // x has 3300 left; z (another site) 3400 in all; y waits for x's site slot: 3300 + 3400.
    expect(f.remainingMs(T0)).toBe(3300 + 3400);
  });

  it("resumes from what the run had done", () => {
    const f = new WaveForecast([app("x"), app("y")], { concurrency: 1 });
    f.restart([
      { app: "x", finished: true, stepsDone: ["a", "b", "c"] },
      { app: "y", finished: false, stepsDone: ["a"] },
    ]);
    // y: no prechecks again, b 2000 (c 500 alongside), v 300.
    expect(f.remainingMs(T0)).toBe(2300);
  });

  it("is not made for a wave whose plan records no timing", () => {
    const wave = { number: 1, date: "2027-01-12", window: { start: "2027-01-12T19:00:00Z", end: "2027-01-12T23:30:00Z" }, applications: [], load: { applications: 0, effort: 0, users: 0 } } as Wave;
    expect(waveWindowTiming(wave)).toBeUndefined();
    const timed = { ...wave, timing: { windowEndsAt: "2027-01-12T23:30:00Z", rollbackDecisionAt: "2027-01-12T22:10:00Z" } } as Wave;
    expect(waveWindowTiming(timed)).toEqual({ windowStartsAt: "2027-01-12T19:00:00Z", windowEndsAt: "2027-01-12T23:30:00Z", rollbackDecisionAt: "2027-01-12T22:10:00Z" });
  });
});
