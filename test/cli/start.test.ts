import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { verifyPlanHash } from "../../src/planner/index.js";
import { ferry } from "../helpers/cli.js";
import { copyExample } from "../planner/repo-copy.js";

describe("ferry start, what `npm start` runs (end to end)", () => {
  it("validates the example, plans it to plans/example.json, writes the pack to reports/ and prints the wave table", () => {
    const dir = copyExample();
    const r = ferry(["start"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const plan = JSON.parse(readFileSync(join(dir, "plans", "example.json"), "utf8"));
    expect(verifyPlanHash(plan).ok).toBe(true);
    expect(plan.waves.length).toBeGreaterThan(0);
    for (const f of ["cab-pack.html", "cab-pack.md", "waves.csv"]) expect(readFileSync(join(dir, "reports", f), "utf8").length).toBeGreaterThan(100);
    expect(r.stdout).toMatch(/^✓ valid: \d+ applications, 7 runbooks, 2 stacks/);
    expect(r.stdout).toMatch(/wave {2}date {8}applications {2}effort {2}users {2}warnings {2}.*P90 {2}window {2}rollback by\n {3}1 {2}2027-01-12/);
    // Window fit from the runbooks' estimates: the first West Northamptonshire wave fits its 19:00–23:30 window.
    expect(r.stdout).toMatch(/\n {3}1 {2}2027-01-12 .* \d+h\d*m? {2,}4h30m {2,}2\d:\d\d\n/);
    expect(r.stdout).toMatch(/window-overrun: .*fileshares-nbc/);
    expect(r.stdout).toContain(`hash:     ${plan.hash}`);
    expect(r.stdout).toContain("Open the change-board pack: reports/cab-pack.html");
  });

  it("works on another directory with --dir, and exits 2 when the example does not validate", () => {
    const dir = copyExample();
    const ok = ferry(["start", "--dir", dir]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain(`Open the change-board pack: ${join(dir, "reports", "cab-pack.html")}`);
    const bad = ferry(["start", "--dir", join(dir, "missing")]);
    expect(bad.code).toBe(2);
  });
});
