/**
 * Issue 12, item 15: a local path made from a value (copy `from` on upload, `to` on download,
 * local `cwd`, http `ca`) stays inside the project, or inside the folder the runbook itself
 * names before the value; refused before anything runs, and again at run time for step outputs.
 */
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PrepareError } from "../../src/engine/prepare.js";
import { checkLocalPath } from "../../src/engine/render.js";
import { estate, prepareAll, realActions, runbook, runWith } from "./helpers.js";

describe("checkLocalPath", () => {
  it.each([
    ["{{ src }}", "dist/app.tar"],
    ["{{ src }}", "a/../b"],
    ["dist/{{ name }}", "app.tar"],
    ["/srv/drop/{{ name }}", "app.tar"],
    ["/srv/drop/{{ name }}", "/srv/drop/sub/app.tar"],
    ["/etc/hostname", "/etc/hostname"],
    ["../common/file", "../common/file"],
    ["{{ steps.a.outputs.stdout }}", ""],
  ])("accepts %s as %s", (template, rendered) => {
    expect(checkLocalPath(template, rendered)).toBeUndefined();
  });

  it.each([
    ["{{ src }}", "../../../../etc/hostname", /outside the project directory/],
    ["{{ dir }}", "/etc", /a value may not make a path absolute/],
    ["dist/{{ name }}", "dist/../../x", /outside the project directory/],
    ["/srv/drop/{{ name }}", "/srv/drop/../../etc/passwd", /outside \/srv\/drop/],
    ["/srv/drop-{{ name }}", "/srv/drop-/../../etc", /outside \/srv/],
    ["/{{ dir }}", "/etc", /a value may not choose an absolute path/],
    ["{{ dir }}/x", "/etc/x", /absolute/],
  ])("refuses %s as %s", (template, rendered, why) => {
    expect(checkLocalPath(template, rendered)).toMatch(why);
  });
});

function refusal(step: Record<string, unknown>, params: Record<string, string>): PrepareError {
  const inputs = Object.fromEntries(Object.keys(params).map((k) => [k, { type: "string" }]));
  const rb = runbook("paths", { inputs, steps: [{ id: "s", ...step }] });
  try {
    prepareAll(estate([{ id: "payroll", params }]), rb);
  } catch (err) {
    if (err instanceof PrepareError) return err;
    throw err;
  }
  throw new Error("prepare accepted the runbook");
}

describe("before anything runs", () => {
  it("refuses a copy upload whose `from` climbs out of the project", () => {
    const err = refusal({ copy: { host: "nbc-app01", from: "{{ src }}", to: "/tmp/x" } }, { src: "../../../../etc/hostname" });
    expect(err.code).toBe("path-outside-project");
    expect(err.message).toMatch(/step s: copy\.from: local path is "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname", outside the project directory/);
  });

  it("refuses a copy download whose `to` is an absolute path from a value", () => {
    const err = refusal({ copy: { host: "nbc-app01", direction: "download", from: "/var/log/app.log", to: "{{ dest }}" } }, { dest: "/etc/cron.d/x" });
    expect(err.code).toBe("path-outside-project");
    expect(err.message).toMatch(/copy\.to: local path is "\/etc\/cron\.d\/x"/);
  });

  it("does not check the remote side: an upload's `to` and a download's `from` are the host's paths", () => {
    const rb = runbook("remote", {
      inputs: { p: { type: "string" } },
      steps: [
        { id: "up", copy: { host: "nbc-app01", from: "dist/app.tar", to: "{{ p }}" } },
        { id: "down", copy: { host: "nbc-app01", direction: "download", from: "{{ p }}", to: "logs/app.log" } },
      ],
    });
    expect(() => prepareAll(estate([{ id: "payroll", params: { p: "/etc/app/../app.tar" } }]), rb)).not.toThrow();
  });

  it("refuses a local `cwd` that a value makes /etc, and an http `ca` from outside", () => {
    expect(refusal({ local: { run: "ls", cwd: "{{ dir }}" } }, { dir: "/etc" }).message).toMatch(/local\.cwd: local path is "\/etc"/);
    expect(refusal({ http: { url: "https://x.example", ca: "certs/{{ ca }}" } }, { ca: "../../../etc/ssl/private/key.pem" }).message).toMatch(/http\.ca: local path/);
  });

  it("accepts an absolute path the runbook itself names, with or without values below it", () => {
    const rb = runbook("abs", {
      inputs: { name: { type: "string" } },
      steps: [
        { id: "a", local: { run: "ls", cwd: "/etc" } },
        { id: "b", copy: { host: "nbc-app01", from: "/srv/drop/{{ name }}", to: "/tmp/x" } },
      ],
    });
    expect(() => prepareAll(estate([{ id: "payroll", params: { name: "app.tar" } }]), rb)).not.toThrow();
  });

  it("does not show a secret that a refused path was made from", () => {
    const CANARY = "canary-Zq7xK2pLm9Wv4Rt8Yb3N/../../..";
    const rb = runbook("secretpath", { steps: [{ id: "s", local: { run: "ls", cwd: "{{ env.DIR_TOKEN }}" } }] });
    let err: unknown;
    try {
      prepareAll(estate([{ id: "payroll" }]), rb, { DIR_TOKEN: CANARY });
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/local path made from a secret \(not shown\)/);
    expect((err as Error).message).not.toContain("canary");
  });
});

describe("at run time", () => {
  it("refuses a `cwd` a step output points outside the project, and the step never starts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-paths-"));
    const ledger = join(dir, "ledger");
    const rb = runbook("outputs", {
      steps: [
        { id: "where", local: { run: "echo ../../../../etc" } },
        { id: "there", local: { run: `echo ran >> ${ledger}`, cwd: "{{ steps.where.outputs.stdout }}" } },
      ],
    });
    const est = estate([{ id: "payroll" }]);
    const run = await runWith(prepareAll(est, rb), est, realActions());
    expect(run.exitCode).not.toBe(0);
    expect(existsSync(ledger) ? readFileSync(ledger, "utf8") : "").toBe("");
    const failed = run.events.find((e) => e.type === "step.failed" && (e as { step?: string }).step === "there") as { error?: { code: string; message: string } } | undefined;
    expect(failed?.error).toMatchObject({ code: "path-outside-project" });
    expect(failed?.error?.message).toMatch(/outside the project directory/);
  });
});
