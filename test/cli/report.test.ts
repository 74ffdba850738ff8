import { appendFileSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
