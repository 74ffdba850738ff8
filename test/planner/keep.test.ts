import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Estate } from "../../src/model/estate.js";
import type { Plan, Wave } from "../../src/model/plan.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { replanDifference } from "../../src/planner/reproduce.js";
import { arbitraryEstate } from "./arbitrary-estate.js";
import { checkPlan } from "./check-plan.js";
import { app, calendar, inputs } from "./fixtures.js";
const PROPERTY_RUNS = Number(process.env.FERRY_PROPERTY_RUNS ?? 400);

/** A kept wave as the earlier plan had it: without the new number and the kept marker. */
function asEarlier(w: Wave): Omit<Wave, "number" | "kept"> {
  const { number: _n, kept: _k, ...rest } = w;
  return rest;
}

const keep = (plan: Plan, waves: number[], because = "approved") => ({ file: "plans/q1.json", plan, waves: waves.map((wave) => ({ wave, because })) });

describe("ferry plan --keep", () => {
  const estate = (extra: Partial<Estate> = {}) => ({ applications: ["a", "b", "c", "d"].map((id) => app(id)), calendar: calendar({ capacity: { applications: 2 } }), ...extra });

  it("keeps an approved wave application for application and date for date, plans the rest around it and lists what moved", () => {
    const q1 = planWaves(inputs(estate()));
    expect(q1.waves.map((w) => w.applications.map((a) => a.id))).toEqual([["a", "b"], ["c", "d"]]);
    // The estate changes: a new application e, critical, would take wave 1 if it were free.
    const changed = estate({ applications: [...["a", "b", "c", "d"].map((id) => app(id)), app("e", { criticality: "critical" })] });
    const q2 = planWaves(inputs(changed), { keep: keep(q1, [1]) });
    expect(asEarlier(q2.waves[0]!)).toEqual(asEarlier(q1.waves[0]!));
    expect(q2.waves[0]!.kept).toEqual({ plan: q1.hash, wave: 1, because: "approved" });
    expect(q2.waves.map((w) => [w.date, w.applications.map((a) => a.id)])).toEqual([
      ["2027-01-12", ["a", "b"]],
      ["2027-01-26", ["c", "e"]],
      ["2027-02-09", ["d"]],
    ]);
    expect(q2.keep).toEqual({ file: "plans/q1.json", plan: q1.hash, waves: [{ wave: 1, date: "2027-01-12", because: "approved" }] });
    expect(q2.moved).toEqual([
      { application: "d", from: { wave: 2, date: "2027-01-26" }, to: { wave: 3, date: "2027-02-09" }, why: expect.stringContaining("earliest wave with room") },
      { application: "e", from: null, to: { wave: 2, date: "2027-01-26" }, why: "new to the plan" },
    ]);
    expect(checkPlan(inputs(changed).estate, q2)).toEqual([]);
  });

  it("does not rearrange a kept wave that now breaks a rule: it flags kept-wave-conflict naming the rule", () => {
    const q1 = planWaves(inputs(estate()));
    const changed = estate({
      applications: [app("a", { dependsOn: [{ app: "d" }] }), app("b", { blackouts: [{ from: "2027-01-01", to: "2027-01-31", reason: "New billing run" }] }), app("c"), app("d")],
    });
    const q2 = planWaves(inputs(changed), { keep: keep(q1, [1], "run") });
    expect(asEarlier(q2.waves[0]!)).toEqual(asEarlier(q1.waves[0]!));
    const conflicts = q2.warnings.filter((w) => w.code === "kept-wave-conflict");
    expect(conflicts.map((w) => [w.rule, w.applications])).toEqual([
      ["order", ["a"]],
      ["blackouts", ["b"]],
    ]);
    expect(conflicts[0]!.message).toContain("a depends on d");
    expect(checkPlan(inputs(changed).estate, q2)).toEqual([]);
  });

  it("stays reproducible: re-planning reads the earlier plan the new one names, and refuses when it changed", () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-keep-"));
    const q1 = planWaves(inputs(estate()));
    writeFileSync(join(dir, "q1.json"), serializePlan(q1));
    const project = { ...inputs(estate()), dir };
    const q2 = planWaves(project, { keep: { file: "q1.json", plan: q1, waves: [{ wave: 2, because: "approved" }] } });
    const raw = JSON.parse(serializePlan(q2)) as Record<string, unknown>;
    expect(replanDifference(q2, raw, project)).toBeUndefined();
    const other = planWaves(inputs(estate({ calendar: calendar({ capacity: { applications: 3 } }) })));
    writeFileSync(join(dir, "q1.json"), serializePlan(other));
    expect(replanDifference(q2, raw, project)).toMatchObject({ path: "keep.plan" });
  });
});

describe("keep on random estates and random edits", () => {
  const edit = fc.record({
    capacity: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
    dependency: fc.option(fc.tuple(fc.nat(), fc.nat()), { nil: undefined }),
    blackout: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 60 })), { nil: undefined }),
    retain: fc.option(fc.nat(), { nil: undefined }),
    keepMask: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
  });

  it("keeps the chosen waves identical and every rule holds for the new ones (independent checker)", () => {
    fc.assert(
      fc.property(arbitraryEstate(), edit, (estate, e) => {
        const q1 = planWaves(inputs(estate));
        const changed = structuredClone(estate);
        const apps = changed.applications;
        if (e.capacity !== undefined && changed.calendar) changed.calendar.capacity = { ...changed.calendar.capacity, applications: e.capacity };
        if (e.dependency) {
          const [x, y] = [apps[e.dependency[0] % apps.length]!, apps[e.dependency[1] % apps.length]!];
          if (x.id !== y.id) x.dependsOn.push({ app: y.id });
        }
        if (e.blackout) {
          const d = new Date(Date.UTC(2027, 0, 4 + e.blackout[1]));
          const to = new Date(d.getTime() + e.blackout[2] * 86_400_000);
          apps[e.blackout[0] % apps.length]!.blackouts.push({ from: d.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10), reason: "New blackout" });
        }
        if (e.retain !== undefined) {
          const a = apps[e.retain % apps.length]!;
          a.disposition = "retain";
          delete a.target;
        }
        const waves = q1.waves.filter((w) => e.keepMask[w.number % 30]).map((w) => w.number);
        const q2 = planWaves(inputs(changed), { keep: keep(q1, waves) });
        const kept = q2.waves.filter((w) => w.kept);
        expect(kept.map((w) => w.kept!.wave)).toEqual(waves);
        for (const w of kept) expect(asEarlier(w)).toEqual(asEarlier(q1.waves.find((x) => x.number === w.kept!.wave)!));
        expect(checkPlan(changed, q2)).toEqual([]);
      }),
      { numRuns: Math.ceil(PROPERTY_RUNS / 2) },
    );
  });
});
