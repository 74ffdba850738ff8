import { describe, expect, it } from "vitest";
import { planWaves } from "../../src/planner/index.js";
import { replanDifference } from "../../src/planner/reproduce.js";
import { actualsKey, MIN_ACTUALS } from "../../src/timing/types.js";
import { app, calendar, inputs } from "../planner/fixtures.js";

const MIN = 60_000;
const H = 60 * MIN;
const ids = (plan: ReturnType<typeof planWaves>) => plan.waves.map((w) => w.applications.map((a) => a.id));
const overruns = (plan: ReturnType<typeof planWaves>) => plan.warnings.filter((w) => w.code === "window-overrun");

// The fixtures' runbook: stop-source (default 10m, P90 30m) then cutover (the same).
// `estimates: { "stop-source": "1h" }` makes an application 1h + 10m at P50, 1h30m + 30m = 2h at P90.
const twoHours = (id: string, extra = {}) => app(id, { estimates: { "stop-source": "1h" }, ...extra });

describe("window fit in planning", () => {
  it("times each wave under the calendar's run limits and records them", () => {
    const plan = planWaves(inputs({ applications: [twoHours("a"), twoHours("b")], calendar: calendar({ runLimits: { concurrency: 2 } }) }));
    expect(ids(plan)).toEqual([["a", "b"]]);
    expect(plan.waves[0]!.timing).toMatchObject({ p50Ms: 70 * MIN, p90Ms: 2 * H, windowMs: 4.5 * H, fits: true, windowEndsAt: "2027-01-12T23:30:00+00:00", endsAtP90: "2027-01-12T21:00:00+00:00" });
    // Rollback: stop-source's rollback has no estimate of its own, so it takes the runbook step's default (P90 30m), one application at a time.
    expect(plan.waves[0]!.timing!.rollbackDecisionAt).toBe("2027-01-12T22:30:00+00:00");
    expect(plan.timing).toEqual({ limits: { concurrency: 2 }, minActuals: MIN_ACTUALS, actuals: {} });
    expect(overruns(plan)).toEqual([]);
  });

  it("moves applications to a later wave rather than overrun the window (rule 13)", () => {
    // One at a time in a 4h30m window: two 2h applications fit, the third goes to the next wave.
    const apps = ["a", "b", "c", "d", "e"].map((id) => twoHours(id));
    const serial = planWaves(inputs({ applications: apps, calendar: calendar({ runLimits: { concurrency: 1 } }) }));
    expect(ids(serial)).toEqual([["a", "b"], ["c", "d"], ["e"]]);
    expect(serial.waves.every((w) => w.timing!.fits)).toBe(true);
    // With the default concurrency (10) all five run at once.
    expect(ids(planWaves(inputs({ applications: apps, calendar: calendar() })))).toEqual([["a", "b", "c", "d", "e"]]);
  });

  it("does not move an application past its deadline, or its dependants' deadlines, to fit; it warns instead", () => {
    const apps = [twoHours("a"), twoHours("b"), twoHours("c", { supportEnds: "2027-01-12" })];
    const plan = planWaves(inputs({ applications: apps, calendar: calendar({ runLimits: { concurrency: 1 } }) }));
    // c goes first (its deadline), a fits beside it, b would overrun and waits.
    expect(ids(plan)).toEqual([["a", "c"], ["b"]]);
    // b is a prerequisite of d, whose support ends on the first wave's date: b cannot wait.
    const bound = planWaves(inputs({ applications: [twoHours("a"), twoHours("b"), twoHours("c"), twoHours("d", { supportEnds: "2027-01-12", dependsOn: [{ app: "b" }] })], calendar: calendar({ runLimits: { concurrency: 1 } }) }));
    expect(bound.waves[0]!.applications.map((a) => a.id)).toEqual(expect.arrayContaining(["b", "d"]));
  });

  it("warns when an application cannot fit any window, naming the critical path", () => {
    const plan = planWaves(inputs({ applications: [app("big", { estimates: { "stop-source": { p50: "4h", p90: "6h" } } }), app("small")], calendar: calendar() }));
    // big goes where it would without a window; small does not join a wave that already overruns.
    expect(ids(plan)).toEqual([["big"], ["small"]]);
    const [w] = overruns(plan);
    expect(w!.applications).toEqual(["big"]);
    expect(w!.message).toBe(
      "wave 1 on 2027-01-12 needs 6h30m at P90 (4h10m at P50) but its window is 4h30m: critical path big (stop-source 6h, cutover 30m); shorten those steps, raise the run's concurrency, or move applications to another wave",
    );
    expect(plan.waves[0]!.timing!.fits).toBe(false);
  });

  it("uses actuals with enough measurements, records them, and reproduces from the record alone", () => {
    const estate = { applications: [app("a"), app("b")], calendar: calendar() };
    const actuals = new Map([
      [actualsKey("rehost-vm", "cutover"), { count: MIN_ACTUALS, rehearsals: 2, real: 1, p50Ms: 2 * H, p90Ms: 3 * H }],
      [actualsKey("rehost-vm", "stop-source"), { count: MIN_ACTUALS - 1, rehearsals: 2, real: 0, p50Ms: 9 * H, p90Ms: 9 * H }],
      [actualsKey("no-such-runbook", "x"), { count: 9, rehearsals: 9, real: 0, p50Ms: H, p90Ms: H }],
    ]);
    const plan = planWaves(inputs(estate), { actuals });
    // stop-source keeps its default (too few actuals): 30m + 3h at P90.
    expect(plan.waves[0]!.timing).toMatchObject({ p90Ms: 3.5 * H, estimates: { estimate: 0, actuals: 2, default: 2 } });
    expect(plan.timing!.actuals).toEqual({ "rehost-vm/cutover": { count: 3, rehearsals: 2, real: 1, p50Ms: 2 * H, p90Ms: 3 * H } });
    // Re-planning for approval or a run reads no journal: the recorded actuals give the same plan.
    const raw = JSON.parse(JSON.stringify(plan)) as Record<string, unknown>;
    expect(replanDifference(plan, raw, inputs(estate))).toBeUndefined();
    // Without them the plan would differ, so the record is what makes it reproducible.
    expect(planWaves(inputs(estate)).hash).not.toBe(plan.hash);
  });

  it("leaves kept waves' timing as they were approved", () => {
    const q1 = planWaves(inputs({ applications: [twoHours("a"), twoHours("b")], calendar: calendar({ runLimits: { concurrency: 2 } }) }));
    // Since approval, the estimates grew: wave 1 is kept as approved, not re-timed or re-placed.
    const grown = { applications: [app("a", { estimates: { "stop-source": "5h" } }), twoHours("b"), twoHours("c")], calendar: calendar({ runLimits: { concurrency: 2 } }) };
    const q2 = planWaves(inputs(grown), { keep: { file: "plans/q1.json", plan: q1, waves: [{ wave: 1, because: "approved" }] } });
    expect(q2.waves[0]!.timing).toEqual(q1.waves[0]!.timing);
    expect(ids(q2)).toEqual([["a", "b"], ["c"]]);
  });
});
