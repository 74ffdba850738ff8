import { describe, expect, it } from "vitest";
import { durationOf, profileOf, scheduleWave, shiftIso, type RunbookTiming, type WaveItem } from "../../src/timing/simulate.js";
import { simulateWave, overrunMessage } from "../../src/timing/wave-timing.js";
import type { Estimate } from "../../src/timing/types.js";

const MIN = 60_000;
const H = 60 * MIN;
const est = (p50: number, p90 = p50): Estimate => ({ p50Ms: p50 * MIN, p90Ms: p90 * MIN, source: "estimate" });

/** p (1m) → a (10m) → b (20m) ∥ c (30m) → d (5m) → v (2m): 48 minutes along p, a, c, d, v. */
const diamond: RunbookTiming = {
  prechecks: [{ id: "p", estimate: est(1, 2) }],
  steps: [
    { id: "a", needs: [], estimate: est(10, 15) },
    { id: "b", needs: ["a"], estimate: est(20, 60) },
    { id: "c", needs: ["a"], estimate: est(30, 40) },
    { id: "d", needs: ["b", "c"], estimate: est(5, 5) },
  ],
  verify: [{ id: "v", estimate: est(2, 3) }],
  rollbackP50Ms: 20 * MIN,
  rollbackP90Ms: 30 * MIN,
};

const item = (id: string, hours: number, site?: string, hosts: string[] = []): WaveItem => ({ id, durationMs: hours * H, site, hosts });

describe("one application's schedule", () => {
  it("runs prechecks, then the step graph, then verify gates, and finds the longest chain", () => {
    const p50 = profileOf(diamond, "p50");
    expect(p50.durationMs).toBe(48 * MIN);
    expect(p50.critical).toEqual(["p", "a", "c", "d", "v"]);
    expect(p50.entries.find((e) => e.id === "d")).toMatchObject({ start: 41 * MIN, end: 46 * MIN });
    // At P90 b (60m) outlasts c (40m): 2 + 15 + 60 + 5 + 3 = 85 minutes, through b.
    const p90 = profileOf(diamond, "p90");
    expect(p90.durationMs).toBe(85 * MIN);
    expect(p90.critical).toEqual(["p", "a", "b", "d", "v"]);
    // The lean duration the planner uses for every application agrees with the full schedule.
    expect(durationOf(diamond, "p50")).toBe(p50.durationMs);
    expect(durationOf(diamond, "p90")).toBe(p90.durationMs);
  });

  it("follows needs that point forward in the file", () => {
    const t: RunbookTiming = { prechecks: [], steps: [{ id: "late", needs: ["early"], estimate: est(5) }, { id: "early", needs: [], estimate: est(7) }], verify: [], rollbackP50Ms: 0, rollbackP90Ms: 0 };
    const p = profileOf(t, "p50");
    expect(p.durationMs).toBe(12 * MIN);
    expect(p.critical).toEqual(["early", "late"]);
  });
});

describe("a wave under the run's limits", () => {
  it("list-schedules applications in wave order on the run's concurrency", () => {
    // Concurrency 2: A 0–3h, B 0–1h, C 1–2h (B's slot), D 2–4h (C's slot).
    const s = scheduleWave([item("A", 3), item("B", 1), item("C", 1), item("D", 2)], { concurrency: 2 });
    expect([...s.start].map((x) => x / H)).toEqual([0, 0, 1, 2]);
    expect(s.makespanMs).toBe(4 * H);
    expect(s.chain).toEqual([1, 2, 3]);
  });

  it("holds a site slot while waiting, as the engine's queues do", () => {
    // perSite 1: B waits for A's site slot (A 0–3h, B 3–4h) while C and D on other sites run at once.
    const s = scheduleWave([item("A", 3, "s1"), item("B", 1, "s1"), item("C", 1, "s2"), item("D", 2)], { concurrency: 10, perSite: 1 });
    expect([...s.start].map((x) => x / H)).toEqual([0, 3, 0, 0]);
    expect(s.makespanMs).toBe(4 * H);
    expect(s.chain).toEqual([0, 1]);
  });

  it("limits applications per host", () => {
    // perHost 1, concurrency 3: A(h1,h2) 0–2h, B(h2) waits for A: 2–3h; C(h3) 0–1h; D(h1) waits for A: 2–4h.
    const s = scheduleWave([item("A", 2, undefined, ["h2", "h1"]), item("B", 1, undefined, ["h2"]), item("C", 1, undefined, ["h3"]), item("D", 2, undefined, ["h1"])], { concurrency: 3, perHost: 1 });
    expect([...s.start].map((x) => x / H)).toEqual([0, 2, 0, 2]);
    expect(s.makespanMs).toBe(4 * H);
    expect(s.chain).toEqual([0, 3]);
  });

  it("is an empty wave's zero", () => {
    expect(scheduleWave([], { concurrency: 10 }).makespanMs).toBe(0);
  });
});

describe("a wave's timing", () => {
  const window = { start: "2027-03-09T19:00:00+00:00", end: "2027-03-09T23:30:00+00:00" };
  it("records P50, P90, fit, critical path and the rollback decision point", () => {
    const apps = ["x", "y", "z"].map((id) => ({ id, hosts: [], timing: diamond }));
    // Concurrency 2 at P90: x and y 0–85m, z 85–170m. Rollback: 3 × 30m one at a time = 90m before 23:30.
    const { timing } = simulateWave(apps, { concurrency: 2 }, window);
    expect(timing).toMatchObject({ p50Ms: 96 * MIN, p90Ms: 170 * MIN, windowMs: 270 * MIN, fits: true, rollbackP90Ms: 90 * MIN });
    expect(timing.rollbackDecisionAt).toBe("2027-03-09T22:00:00+00:00");
    expect(timing.windowEndsAt).toBe(window.end);
    expect(timing.endsAtP90).toBe("2027-03-09T21:50:00+00:00");
    expect(timing.criticalPath).toEqual([{ application: "x", steps: ["p", "a", "b", "d", "v"] }, { application: "z", steps: ["p", "a", "b", "d", "v"] }]);
    expect(timing.estimates).toEqual({ estimate: 18, actuals: 0, default: 0 });
  });

  it("does not fit when P90 passes the window's end, and says why", () => {
    const apps = ["x", "y", "z", "w"].map((id) => ({ id, hosts: [], timing: diamond }));
    const simulated = simulateWave(apps, { concurrency: 1 }, window);
    const { timing } = simulated;
    expect(timing.p90Ms).toBe(4 * 85 * MIN);
    expect(timing.fits).toBe(false);
    // Each application on the path with the three longest steps of its own chain, in run order.
    expect(overrunMessage({ number: 3, date: "2027-03-09" }, simulated, apps.map((a) => a.id))).toBe(
      "wave 3 on 2027-03-09 needs 5h40m at P90 (3h12m at P50) but its window is 4h30m: critical path x (a 15m, b 1h, d 5m) then y (a 15m, b 1h, d 5m) then z (a 15m, b 1h, d 5m) then w (a 15m, b 1h, d 5m); shorten those steps, raise the run's concurrency, or move applications to another wave",
    );
  });
});

describe("shiftIso", () => {
  it("keeps the offset the window was written in", () => {
    expect(shiftIso("2027-07-12T23:30:00+01:00", -95 * MIN)).toBe("2027-07-12T21:55:00+01:00");
    expect(shiftIso("2027-01-12T00:30:00+00:00", -H)).toBe("2027-01-11T23:30:00+00:00");
    expect(shiftIso("2027-01-12T00:30:00Z", 1500)).toBe("2027-01-12T00:30:01Z");
  });
});
