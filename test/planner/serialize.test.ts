/**
 * The plan file's layout: one line per application, data set, change, unplaced entry, warning
 * and move, the rest indented. The text must read back to the plan itself (so the hash, taken
 * over the canonical form of the parsed value, verifies whatever the layout), be deterministic,
 * and show a one-application move as a small diff.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
import {
  computePlanHash,
  planWaves,
  serializePlan,
  verifyPlanHash,
} from "../../src/planner/index.js";
import { arbitraryEstate } from "./arbitrary-estate.js";
import { app, calendar, inputs } from "./fixtures.js";

const RUNS = Number(process.env.FERRY_PROPERTY_RUNS ?? 400);

/** Lines of `before` not kept in `after` and lines of `after` that are new (a longest-common-subsequence diff). */
function lineDiff(before: string, after: string): { removed: string[]; added: string[] } {
  const a = before.split("\n");
  const b = after.split("\n");
  const lcs: number[][] = Array.from({ length: a.length + 1 }, () =>
    new Array<number>(b.length + 1).fill(0),
  );
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const removed: string[] = [];
  const added: string[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
    } else if (lcs[i + 1]![j]! >= lcs[i]![j + 1]!) removed.push(a[i++]!);
    else added.push(b[j++]!);
  }
  removed.push(...a.slice(i));
  added.push(...b.slice(j));
  return { removed, added };
}

/** Every entry the layout puts on a line of its own, as its compact JSON. */
function rows(plan: Plan): string[] {
  const out: unknown[] = [...plan.unplaced, ...plan.warnings, ...(plan.moved ?? [])];
  for (const wave of plan.waves)
    out.push(...wave.applications, ...(wave.datasets ?? []), ...(wave.changes ?? []));
  return out.map((entry) => JSON.stringify(entry));
}

describe("serializePlan", () => {
  it("reads back to the plan, verifies its hash, and writes each row on one line", () => {
    fc.assert(
      fc.property(arbitraryEstate(), (estate) => {
        const plan = planWaves(inputs(estate));
        const text = serializePlan(plan);
        const parsed = JSON.parse(text) as Plan;
        expect(parsed).toEqual(plan);
        // The same value, key order included, as the fully indented form.
        expect(JSON.stringify(parsed, null, 2)).toBe(JSON.stringify(plan, null, 2));
        expect(verifyPlanHash(parsed).ok).toBe(true);
        expect(text.endsWith("}\n")).toBe(true);
        const lines = new Set(text.split("\n").map((line) => line.trim().replace(/,$/, "")));
        for (const row of rows(plan)) expect(lines.has(row)).toBe(true);
        expect(serializePlan(structuredClone(plan))).toBe(text);
        // What the plan decides, nothing copied from the estate it pins by digest.
        for (const wave of plan.waves)
          for (const a of wave.applications)
            for (const key of Object.keys(a))
              expect(["id", "runbook", "group", "site", "target", "deferredBy"]).toContain(key);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it("keeps members it does not know, whatever their values, and leaves out undefined ones as JSON.stringify does", () => {
    fc.assert(
      fc.property(
        arbitraryEstate(),
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.jsonValue(),
        (estate, extra, value) => {
          const plan = planWaves(inputs(estate)) as Plan & Record<string, unknown>;
          const disguised = {
            ...plan,
            ...extra,
            absent: undefined,
            waves: plan.waves.map((w) => ({
              ...w,
              extra: value,
              applications: w.applications.map((a) => ({ ...a, extra: value, absent: undefined })),
            })),
          } as Plan;
          const text = serializePlan(disguised);
          expect(JSON.stringify(JSON.parse(text), null, 2)).toBe(
            JSON.stringify(disguised, null, 2),
          );
        },
      ),
      { numRuns: 100 },
    );
  });

  it("shows one application moved between waves as a two-line move plus the figures that changed", () => {
    const applications = Array.from({ length: 12 }, (_, i) =>
      app(`app-${String(i).padStart(2, "0")}`, { users: 10 + i, effort: 1 }),
    );
    const plan = planWaves(
      inputs({ applications, calendar: calendar({ capacity: { applications: 4 } }) }),
    );
    expect(plan.waves.length).toBeGreaterThanOrEqual(3);
    const moved = structuredClone(plan);
    const [first, second] = moved.waves as [Plan["waves"][number], Plan["waves"][number]];
    const application = first.applications.pop()!;
    second.applications.unshift(application);
    for (const [wave, sign] of [
      [first, -1],
      [second, 1],
    ] as const) {
      wave.load.applications += sign;
      const estate = applications.find((a) => a.id === application.id)!;
      wave.load.effort += sign * estate.effort;
      wave.load.users += sign * estate.users;
    }
    const { hash: _old, ...body } = moved;
    moved.hash = computePlanHash(body);
    expect(verifyPlanHash(JSON.parse(serializePlan(moved))).ok).toBe(true);

    const { removed, added } = lineDiff(serializePlan(plan), serializePlan(moved));
    const line = JSON.stringify(application);
    expect(removed.some((l) => l.includes(line))).toBe(true);
    expect(added.some((l) => l.includes(line))).toBe(true);
    // The application's line out and in, two waves' three load figures, the hash, and at most
    // two neighbouring rows whose trailing comma came or went.
    expect(removed.length).toBeLessThanOrEqual(1 + 6 + 1 + 2);
    expect(added.length).toBeLessThanOrEqual(1 + 6 + 1 + 2);
    expect(removed.length + added.length).toBeLessThan(serializePlan(plan).split("\n").length / 4);
  });
});
