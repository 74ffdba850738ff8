import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Estate } from "../../src/model/estate.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { arbitraryEstate } from "./arbitrary-estate.js";
import { checkPlan } from "./check-plan.js";
import { inputs } from "./fixtures.js";

const runbooksOf = (project: ReturnType<typeof inputs>) => new Map([...project.runbooks].map(([name, r]) => [name, r.runbook]));

export const PROPERTY_RUNS = Number(process.env.FERRY_PROPERTY_RUNS ?? 400);

describe("planWaves on random valid estates", () => {
  it("satisfies every planning rule of docs/formats.md (independent checker)", () => {
    fc.assert(
      fc.property(arbitraryEstate(), (estate) => {
        const project = inputs(estate);
        const plan = planWaves(project);
        expect(checkPlan(estate, plan, { runbooks: runbooksOf(project) })).toEqual([]);
      }),
      { numRuns: PROPERTY_RUNS },
    );
  });

  it("places every application when nothing constrains capacity, blackouts, freezes or horizon", () => {
    fc.assert(
      fc.property(arbitraryEstate({ unconstrained: true }), (estate) => {
        const project = inputs(estate);
        const plan = planWaves(project);
        expect(checkPlan(estate, plan, { runbooks: runbooksOf(project), unconstrained: true })).toEqual([]);
        expect(plan.unplaced).toEqual([]);
      }),
      { numRuns: Math.ceil(PROPERTY_RUNS / 2) },
    );
  });

  it("gives identical bytes when the same estate is planned twice", () => {
    fc.assert(
      fc.property(arbitraryEstate(), (estate) => {
        expect(serializePlan(planWaves(inputs(estate)))).toBe(serializePlan(planWaves(inputs(structuredClone(estate)))));
      }),
      { numRuns: 100 },
    );
  });

  it("plans the same waves whatever the order of the estate's lists (only the input digests differ)", () => {
    const withoutDigests = (estate: Estate) => {
      const { hash: _h, inputsDigest: _i, estateDigest: _e, ...rest } = planWaves(inputs(estate));
      return JSON.stringify(rest);
    };
    fc.assert(
      fc.property(arbitraryEstate(), fc.integer(), (estate, seed) => {
        const [applications] = fc.sample(fc.shuffledSubarray(estate.applications, { minLength: estate.applications.length }), { seed, numRuns: 1 });
        const [datasets] = fc.sample(fc.shuffledSubarray(estate.datasets, { minLength: estate.datasets.length }), { seed, numRuns: 1 });
        expect(withoutDigests({ ...estate, applications: applications!, datasets: datasets! })).toBe(withoutDigests(estate));
      }),
      { numRuns: 100 },
    );
  });
});
