import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";
import { plannedExample as planned } from "../planner/repo-copy.js";

describe("ferry report (end to end)", () => {
  it("writes cab-pack.html, cab-pack.md and waves.csv to --out", async () => {
    const { dir, plan } = await planned();
    const out = join(dir, "pack");
    const r = ferry(["report", "--plan", plan, "--dir", dir, "--out", out, "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, files: ["cab-pack.html", "cab-pack.md", "waves.csv"].map((f) => join(out, f)) });
    expect(readdirSync(out).sort()).toEqual(["cab-pack.html", "cab-pack.md", "waves.csv"]);
    const html = readFileSync(join(out, "cab-pack.html"), "utf8");
    expect(html).toContain(JSON.parse(readFileSync(plan, "utf8")).hash);
    expect(html).not.toContain('class="banner"');
  });

  it("writes to <dir>/reports by default", async () => {
    const { dir, plan } = await planned();
    expect(ferry(["report", "--plan", plan, "--dir", dir]).code).toBe(0);
    expect(readdirSync(join(dir, "reports")).sort()).toEqual(["cab-pack.html", "cab-pack.md", "waves.csv"]);
  });

  it("refuses a plan edited after planning, with exit 2", async () => {
    const { dir, plan } = await planned();
    writeFileSync(plan, readFileSync(plan, "utf8").replace('"number": 2,', '"number": 22,'));
    const r = ferry(["report", "--plan", plan, "--dir", dir, "--out", join(dir, "pack")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`ferry: ${plan} was modified after it was planned`);
  });

  it("renders a drifted plan with a banner naming what changed, so the board sees it", async () => {
    const { dir, plan } = await planned();
    appendFileSync(join(dir, "runbooks", "retire.yaml"), "\n# edited\n");
    expect(ferry(["report", "--plan", plan, "--dir", dir, "--out", join(dir, "pack")]).code).toBe(0);
    const html = readFileSync(join(dir, "pack", "cab-pack.html"), "utf8");
    expect(html).toContain("The inputs changed since this plan was made.");
    expect(html).toContain("runbook retire was changed since the plan was made");
  });

  it("says clearly when the plan file does not exist", async () => {
    const r = ferry(["report", "--plan", "/nonexistent/plan.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("plan file /nonexistent/plan.json does not exist");
  });
});

describe("ferry report reads the project the plan was made from", () => {
  it("finds the project from the plan's own folder, wherever it is run from, with no false drift banner", async () => {
    const { dir, plan } = await planned();
    // Run from the repository (which has its own estate/) and from a folder with none: both read the plan's project.
    for (const cwd of [undefined, tmpdir()]) {
      const out = mkdtempSync(join(tmpdir(), "ferry-pack-out-"));
      const r = ferry(["report", "--plan", plan, "--out", out], { cwd });
      expect(r.code, r.stderr).toBe(0);
      const html = readFileSync(join(out, "cab-pack.html"), "utf8");
      expect(html).not.toContain('class="banner"');
      expect(html).toContain("<b>Rollback:</b> 1.");
    }
    expect(existsSync(join(dir, "reports"))).toBe(false);
  });

  it("refuses a project that is not the plan's (its applications are not in the estate), and renders from the plan alone with --plan-only", async () => {
    const { plan } = await planned();
    const other = mkdtempSync(join(tmpdir(), "ferry-other-"));
    expect(ferry(["example", "--apps", "30", "--seed", "3", "--out", other]).code).toBe(0);
    const r = ferry(["report", "--plan", plan, "--dir", other, "--out", join(other, "pack")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is not the project .* was made from/);
    expect(existsSync(join(other, "pack"))).toBe(false);
    const alone = ferry(["report", "--plan", plan, "--plan-only", "--out", join(other, "alone")]);
    expect(alone.code, alone.stderr).toBe(0);
    expect(readFileSync(join(other, "alone", "cab-pack.html"), "utf8")).toContain("Made from the plan alone (--plan-only)");
  });

  it("refuses when no project can be found for a plan outside any project", async () => {
    const { plan } = await planned();
    const lone = join(mkdtempSync(join(tmpdir(), "ferry-lone-")), "q1.json");
    writeFileSync(lone, readFileSync(plan));
    const r = ferry(["report", "--plan", lone], { cwd: tmpdir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("cannot tell which project");
  });

  it("shows the approvals on file in each wave's sign-off block, and writes one wave in full with --wave", async () => {
    const { dir, plan, hash } = await planned();
    mkdirSync(join(dir, "approvals"), { recursive: true });
    writeFileSync(
      join(dir, "approvals", `${hash.slice(7)}-wave-2.yaml`),
      `apiVersion: ferry/v1\nkind: Approval\nplan: ${hash}\nwave: 2\napprovedBy: cab-chair\nchangeRef: CHG-2001\napprovedAt: "2027-01-20T09:30:00Z"\n`,
    );
    const r = ferry(["report", "--plan", plan, "--out", join(dir, "pack")]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(join(dir, "pack", "cab-pack.html"), "utf8");
    expect(html).toContain("<td>change board</td><td>cab-chair</td><td>Wednesday 20 January 2027, 09:30 GMT</td><td>not signed</td><td>CHG-2001</td>");
    expect(html.match(/Awaiting approval\./g)!.length).toBeGreaterThan(5);
    const one = ferry(["report", "--plan", plan, "--wave", "2", "--out", join(dir, "pack"), "--json"]);
    expect(one.code, one.stderr).toBe(0);
    expect(JSON.parse(one.stdout).files).toEqual(["cab-pack-wave-2.html", "cab-pack-wave-2.md", "waves-wave-2.csv"].map((f) => join(dir, "pack", f)));
    const wave = readFileSync(join(dir, "pack", "cab-pack-wave-2.html"), "utf8");
    expect(wave).toContain('id="wave-2"');
    expect(wave).not.toContain('id="wave-1"');
  });
});
