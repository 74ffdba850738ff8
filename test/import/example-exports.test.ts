/** `ferry example --as-exports`, through the built CLI: its exports import into the project it writes, which then validates and plans. */
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";

let dir: string;
let imports: string[][];

beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), "ferry-example-exports-")), "project");
  const r = ferry(["example", "--apps", "40", "--seed", "5", "--out", dir, "--as-exports"]);
  expect(r.code, r.stderr).toBe(0);
  // The commands it prints are the ones to run.
  imports = [...r.stdout.matchAll(/^ {2}ferry import (.+)$/gm)].map((m) => m[1]!.split(" "));
}, 60_000);

describe("ferry example --as-exports", () => {
  it("writes the five sources' exports and a project without hosts or applications", () => {
    expect(readdirSync(join(dir, "exports")).sort()).toEqual(["RVTools_export_all.xlsx", "azure-migrate-dependencies.csv", "citrix-published-apps.csv", "cmdb_ci_appl.csv", "cmdb_rel_ci.csv", "netbox-prefixes.csv"]);
    expect(readdirSync(join(dir, "estate"))).toEqual(["sites.yaml"]);
    expect(imports.map((a) => a[0])).toEqual(["netbox", "rvtools", "citrix", "servicenow", "azure-migrate"]);
  });

  it("imports every export into the empty project, which then validates and plans", () => {
    for (const args of imports) {
      const r = ferry(["import", ...args], { cwd: dir });
      expect(r.stderr, args.join(" ")).toBe("");
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/\nwrote estate\/imported-/);
    }
    const validate = ferry(["validate"], { cwd: dir });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    // 40 VM-hosted applications plus a published client per Citrix one; every VM but the templates.
    const counts = /(\d+) hosts, (\d+) applications/.exec(validate.stdout);
    expect(Number(counts?.[1])).toBeGreaterThanOrEqual(40);
    expect(Number(counts?.[2])).toBeGreaterThan(40);
    expect(validate.stdout).toMatch(/\d+ recorded only/);
    const plan = ferry(["plan", "--out", "plans/all.json"], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(readFileSync(join(dir, "plans/all.json"), "utf8")) as { waves: { applications: unknown[] }[] };
    expect(planned.waves.flatMap((w) => w.applications).length).toBe(Number(counts?.[2]));
  }, 120_000);

  it("imports them again without a change", () => {
    for (const args of imports) {
      const r = ferry(["import", ...args], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("no changes: nothing written");
    }
  }, 60_000);

  it("writes the same bytes for the same seed, the workbook included", () => {
    const again = join(mkdtempSync(join(tmpdir(), "ferry-example-exports-")), "project");
    expect(ferry(["example", "--apps", "40", "--seed", "5", "--out", again, "--as-exports"]).code).toBe(0);
    for (const f of readdirSync(join(dir, "exports"))) expect(readFileSync(join(again, "exports", f)).equals(readFileSync(join(dir, "exports", f))), f).toBe(true);
  }, 60_000);

  it("refuses --as-exports with --local", () => {
    const r = ferry(["example", "--local", "--as-exports", "--out", join(dir, "..", "local")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--as-exports");
  });
});
