/**
 * `ferry plan` times steps from what real runs measured: three rehearsals of local steps that
 * sleep for known times, then a plan that uses their actuals and records them, and an approval of
 * that plan after one more run changed the journals (re-planning must use the recorded figures).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Plan } from "../../src/model/plan.js";
import { ferryIn, planAndApprove, runProject } from "./run-project.js";

describe("ferry plan with measured actuals", () => {
  it("uses a step's actuals once it has three, records them in the plan, and approving it later reuses the record", async () => {
    const dir = runProject([{ id: "payroll", runbook: "timed" }], {
      timed: `steps:
  - id: copy
    estimate: 2h
    local: { run: "sleep 0.2" }
  - id: switch
    estimate: 1m
    local: { run: "true" }
`,
    });
    const first = await planAndApprove(dir);
    const before = JSON.parse(readFileSync(first, "utf8")) as Plan;
    // From the estimate: copy 2h (P90 3h), switch 1m (P90 1m30s).
    expect(before.waves[0]!.timing).toMatchObject({ p90Ms: 3 * 3_600_000 + 90_000, estimates: { estimate: 2, actuals: 0, default: 0 } });
    for (let i = 0; i < 3; i++) {
      const r = await ferryIn(dir, ["run", "--plan", first, "--wave", "1", "--rehearsal"]);
      expect(r.code, r.stderr).toBe(0);
    }
    const second = join(dir, "plans", "measured.json");
    const p = await ferryIn(dir, ["plan", "--out", second]);
    expect(p.code, p.stderr).toBe(0);
    const plan = JSON.parse(readFileSync(second, "utf8")) as Plan;
    const copy = plan.timing!.actuals["timed/copy"]!;
    expect(copy).toMatchObject({ count: 3, rehearsals: 3, real: 0 });
    // Measured: at least the sleep, far below the 2h estimate.
    expect(copy.p50Ms).toBeGreaterThanOrEqual(200);
    expect(copy.p90Ms).toBeLessThan(60_000);
    expect(plan.waves[0]!.timing!.estimates).toEqual({ estimate: 0, actuals: 2, default: 0 });
    expect(plan.waves[0]!.timing!.p90Ms).toBeLessThan(120_000);
    // One more run changes what the journals say; the plan still reproduces from its own record.
    const again = await ferryIn(dir, ["run", "--plan", first, "--wave", "1", "--rehearsal"]);
    expect(again.code, again.stderr).toBe(0);
    const a = await ferryIn(dir, ["approve", "--plan", second, "--wave", "1", "--by", "Change Board", "--ref", "CHG0002"]);
    expect(a.code, a.stderr + a.stdout).toBe(0);
    // Planned afresh now, the four measurements give another plan: the record is what kept the approval possible.
    const third = join(dir, "plans", "now.json");
    expect((await ferryIn(dir, ["plan", "--out", third])).code).toBe(0);
    expect((JSON.parse(readFileSync(third, "utf8")) as Plan).timing!.actuals["timed/copy"]!.count).toBe(4);
  }, 120_000);
});
