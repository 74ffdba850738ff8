import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { budgetExceeded, parseFailureBudget, tolerated } from "../../src/engine/failure-budget.js";
import { schedule } from "../../src/engine/scheduler.js";

/**
 * The written spec, independent of the implementation: with `--max-failures N%` over a wave
 * of T applications, new starts stop once failures × 100 > N × T (integer arithmetic, no
 * rounding to get wrong); with `--max-failures N`, once failures > N.
 */
function specStops(budget: string, total: number, failures: number): boolean {
  if (budget.endsWith("%")) return failures * 100 > Number(budget.slice(0, -1)) * total;
  return failures > Number(budget);
}

describe("the failure budget", () => {
  it("parses counts and percentages, and refuses anything else", () => {
    expect(parseFailureBudget("3")).toEqual({ kind: "count", count: 3 });
    expect(parseFailureBudget("10%")).toEqual({ kind: "percent", percent: 10 });
    expect(parseFailureBudget("unlimited")).toEqual({ kind: "unlimited" });
    for (const bad of ["-1", "10.5%", "101%", "ten", ""]) expect(parseFailureBudget(bad)).toBeUndefined();
  });

  it("rounds a percentage down: 10% of 15 tolerates 1 failure", () => {
    expect(tolerated({ kind: "percent", percent: 10 }, 15)).toBe(1);
    expect(budgetExceeded({ kind: "percent", percent: 10 }, 15, 1)).toBe(false);
    expect(budgetExceeded({ kind: "percent", percent: 10 }, 15, 2)).toBe(true);
  });

  it("agrees with the written spec for every wave size, budget and failure count (property)", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.oneof(fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`), fc.integer({ min: 0, max: 50 }).map(String)),
        fc.integer({ min: 0, max: 2000 }),
        (total, budget, failures) => {
          const b = parseFailureBudget(budget)!;
          expect(budgetExceeded(b, total, failures)).toBe(specStops(budget, total, failures));
        },
      ),
      { numRuns: 10_000 },
    );
  });

  it("the scheduler starts exactly the applications the spec allows, for random failure patterns (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.boolean(), { minLength: 1, maxLength: 30 }),
        fc.oneof(fc.integer({ min: 0, max: 100 }).map((p) => `${p}%`), fc.integer({ min: 0, max: 10 }).map(String)),
        async (fails, budget) => {
          const items = fails.map((_, i) => ({ id: `a${i}`, hosts: [] }));
          const started: number[] = [];
          const r = await schedule(
            items,
            { concurrency: 1, budget: parseFailureBudget(budget)! },
            async (item) => {
              const i = Number(item.id.slice(1));
              started.push(i);
              return fails[i] ? "failed" : "succeeded";
            },
            async () => {},
          );
          // Serially, application k starts iff the failures among 0..k-1 do not stop the wave.
          let failures = 0;
          const expected: number[] = [];
          for (let k = 0; k < fails.length; k++) {
            if (specStops(budget, fails.length, failures)) break;
            expected.push(k);
            if (fails[k]) failures++;
          }
          expect(started).toEqual(expected);
          expect(r.skipped.length).toBe(fails.length - expected.length);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
