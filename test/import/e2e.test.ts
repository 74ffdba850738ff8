/** The built CLI, as an engineer runs it: a small estate imported from all five sources, merged, validated, planned and reported. */
import { cpSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferry, REPO } from "../helpers/cli.js";
import { azureMigrateFiles, citrixCsv, netboxCsv, PROJECT_FILES, servicenowFiles, SMALL_VMS, writeFiles, writeRvtools } from "./fixtures.js";

let dir: string;
const IMPORTS: string[][] = [
  ["rvtools", "exports/RVTools_export_all.xlsx"],
  ["netbox", "exports/prefixes.csv"],
  ["servicenow", "exports/cmdb_ci_server.csv", "exports/cmdb_ci_appl.csv", "exports/cmdb_rel_ci.csv"],
  ["citrix", "exports/published-apps.csv"],
  ["azure-migrate", "exports/servers.csv", "exports/dependencies.csv", "--site", "guildhall"],
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ferry-import-e2e-"));
  writeFiles(dir, PROJECT_FILES);
  cpSync(join(REPO, "runbooks"), join(dir, "runbooks"), { recursive: true });
  writeFiles(dir, { "exports/prefixes.csv": netboxCsv(), "exports/published-apps.csv": citrixCsv() });
  writeFiles(dir, Object.fromEntries(Object.entries({ ...servicenowFiles(), ...azureMigrateFiles() }).map(([k, v]) => [`exports/${k}`, v])));
  await writeRvtools(join(dir, "exports/RVTools_export_all.xlsx"), SMALL_VMS);
});

describe("ferry import, end to end", () => {
  it("imports all five sources, then validates, plans and reports the merged estate", () => {
    for (const args of IMPORTS) {
      const r = ferry(["import", ...args], { cwd: dir });
      expect(r.stderr).toBe("");
      expect(r.code, r.stdout).toBe(0);
      expect(r.stdout).toMatch(/\nwrote estate\/imported-/);
    }
    const servicenow = readFileSync(join(dir, "estate/imported-servicenow.yaml"), "utf8");
    expect(servicenow).not.toContain("id: nbc-iworld01,"); // merged into the RVTools host
    const validate = ferry(["validate"], { cwd: dir });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    expect(validate.stdout).toContain("6 hosts, 6 applications");
    const plan = ferry(["plan", "--out", "plans/q1.json"], { cwd: dir });
    expect(plan.code, plan.stderr).toBe(0);
    const planned = JSON.parse(readFileSync(join(dir, "plans/q1.json"), "utf8")) as { waves: { applications: unknown[] }[] };
    expect(planned.waves.flatMap((w) => w.applications).length).toBeGreaterThan(0);
    const report = ferry(["report", "--plan", "plans/q1.json", "--out", "reports"], { cwd: dir });
    expect(report.code, report.stderr).toBe(0);
    expect(existsSync(join(dir, "reports/cab-pack.md"))).toBe(true);
    expect(readFileSync(join(dir, "reports/cab-pack.md"), "utf8")).toContain("Academy Revenues");
    // Eight CLI processes end to end: about 10 s alone, several times that on a busy 2-core machine.
  }, 120_000);

  it("imports every source again without changing a byte", () => {
    const before = IMPORTS.map(([s]) => readFileSync(join(dir, `estate/imported-${s}.yaml`), "utf8"));
    for (const args of IMPORTS) {
      const r = ferry(["import", ...args], { cwd: dir });
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("no changes: nothing written");
    }
    expect(IMPORTS.map(([s]) => readFileSync(join(dir, `estate/imported-${s}.yaml`), "utf8"))).toEqual(before);
  });

  it("exits 2 naming the file and the column when an export lacks one", () => {
    writeFiles(dir, { "exports/wrong.csv": "Network,Site\r\n10.9.0.0/24,Guildhall\r\n" });
    const r = ferry(["import", "netbox", "exports/wrong.csv"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('wrong.csv:1:1: A NetBox prefixes export needs the column "Prefix"');
  });

  it("exits 2 for an unknown source", () => {
    const r = ferry(["import", "sccm", "x.csv"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown source");
  });
});
