import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";
import { plannedExample as planned } from "../planner/repo-copy.js";


// The bundled example requires signed approvals by the cab role: each test's copy lists this key.
const keyFile = join(mkdtempSync(join(tmpdir(), "ferry-keys-")), "j.smith");
execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "j.smith", "-f", keyFile]);
function trust(dir: string): void {
  mkdirSync(join(dir, "approvals"), { recursive: true });
  writeFileSync(join(dir, "approvals", "allowed_signers"), `j.smith,cab ${readFileSync(`${keyFile}.pub`, "utf8").trim()}\n`);
}
const approve = (dir: string, plan: string, wave: string, extra: string[] = []) => {
  trust(dir);
  return ferry(["approve", "--plan", plan, "--wave", wave, "--by", "j.smith", "--ref", "CHG0012345", "--key", keyFile, "--dir", dir, ...extra], { env: { SSH_AUTH_SOCK: "" } });
};

describe("ferry approve (end to end)", () => {
  it("writes approvals/<hash-hex>-wave-<n>-<org>.yaml naming the plan hash, wave, organisation, approver, change, time and signature", async () => {
    const { dir, plan, hash } = await planned();
    const r = approve(dir, plan, "2");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const file = join(dir, "approvals", `${hash.slice("sha256:".length)}-wave-2-wnc.yaml`);
    expect(r.stdout).toContain(`wrote ${file}`);
    const approval = parse(readFileSync(file, "utf8"));
    expect(approval).toMatchObject({ apiVersion: "ferry/v1", kind: "Approval", plan: hash, wave: 2, organisation: "wnc", approvedBy: "j.smith", changeRef: "CHG0012345" });
    expect(approval.signature.sshsig).toContain("-----BEGIN SSH SIGNATURE-----");
    expect(Date.parse(approval.approvedAt)).toBeGreaterThan(Date.now() - 120_000);
  });

  it("refuses a second approval of the same wave unless --force is given", async () => {
    const { dir, plan } = await planned();
    expect(approve(dir, plan, "1").code).toBe(0);
    const again = approve(dir, plan, "1");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("wave 1 of this plan is already approved for wnc");
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
    expect(readdirSync(join(dir, "approvals")).filter((f) => f.endsWith(".yaml"))).toEqual([]);
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
    expect(readdirSync(join(dir, "approvals")).filter((f) => f.endsWith(".yaml"))).toEqual([]);
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
