import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";
import { plannedExample as planned } from "../planner/repo-copy.js";


const approve = (dir: string, plan: string, wave: string, extra: string[] = []) => ferry(["approve", "--plan", plan, "--wave", wave, "--by", "J Smith", "--ref", "CHG0012345", "--dir", dir, ...extra]);

describe("ferry approve (end to end)", () => {
  it("writes approvals/<hash-hex>-wave-<n>.yaml naming the plan hash, wave, approver, change and time", async () => {
    const { dir, plan, hash } = await planned();
    const r = approve(dir, plan, "2");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const file = join(dir, "approvals", `${hash.slice("sha256:".length)}-wave-2.yaml`);
    expect(r.stdout).toContain(`wrote ${file}`);
    const approval = parse(readFileSync(file, "utf8"));
    expect(approval).toMatchObject({ apiVersion: "ferry/v1", kind: "Approval", plan: hash, wave: 2, approvedBy: "J Smith", changeRef: "CHG0012345" });
    expect(Date.parse(approval.approvedAt)).toBeGreaterThan(Date.now() - 120_000);
  });

  it("refuses a second approval of the same wave unless --force is given", async () => {
    const { dir, plan } = await planned();
    expect(approve(dir, plan, "1").code).toBe(0);
    const again = approve(dir, plan, "1");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("wave 1 of this plan is already approved");
    expect(approve(dir, plan, "1", ["--force"]).code).toBe(0);
  });

  it("refuses a tampered plan (its hash does not verify) with exit 2 and writes nothing", async () => {
    const { dir, plan } = await planned();
    const p = JSON.parse(readFileSync(plan, "utf8"));
    p.waves[0].date = "2027-01-05";
    writeFileSync(plan, JSON.stringify(p, null, 2));
    const r = approve(dir, plan, "1");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ferry: ${plan} was modified after it was planned: its content hashes to sha256:`);
    expect(r.stderr).toContain("Re-run `ferry plan` rather than editing the file.");
    expect(existsSync(join(dir, "approvals"))).toBe(false);
  });

  it("refuses a drifted plan (an estate file changed after planning), naming what changed", async () => {
    const { dir, plan } = await planned();
    appendFileSync(join(dir, "estate", "calendar.yaml"), "\n# moved the freeze\n");
    const r = approve(dir, plan, "1", ["--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      error: {
        code: "plan-drift",
        message: `${plan} no longer matches its inputs: estate/ changed since the plan was made`,
        hint: "Re-run `ferry plan` (and have the new plan approved), or restore the inputs the plan was made from.",
      },
    });
    expect(existsSync(join(dir, "approvals"))).toBe(false);
  });

  it("refuses a wave number the plan does not have, listing the waves it has", async () => {
    const { dir, plan } = await planned();
    const waves = JSON.parse(readFileSync(plan, "utf8")).waves.length;
    const r = approve(dir, plan, "99");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${plan} has no wave 99`);
    expect(r.stderr).toContain(`Its waves are ${Array.from({ length: waves }, (_, i) => i + 1).join(", ")}.`);
    expect(approve(dir, plan, "two").stderr).toContain('--wave must be a wave number (1, 2, …), got "two"');
  });
});
