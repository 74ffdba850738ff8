/** runImport on a small council estate: what is written, what survives a re-import, what is refused. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runImport } from "../../src/import/index.js";
import { InputError } from "../../src/model/diagnostics.js";
import { azureMigrateFiles, citrixCsv, csv, netboxCsv, PROJECT_FILES, servicenowFiles, SMALL_VMS, writeFiles, writeRvtools, type Vm } from "./fixtures.js";

let dir: string;
const read = (rel: string) => readFileSync(join(dir, rel), "utf8");
const rvtools = async (vms: Vm[] = SMALL_VMS, name = "RVTools_export_all.xlsx") => {
  await writeRvtools(join(dir, name), vms);
  return runImport({ source: "rvtools", files: [join(dir, name)], dir });
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ferry-import-"));
  writeFiles(dir, PROJECT_FILES);
});

describe("ferry import rvtools", () => {
  it("writes hosts and annotated applications, each under a comment naming its source row", async () => {
    const r = await rvtools();
    expect(r.written).toBe(true);
    const text = read("estate/imported-rvtools.yaml");
    expect(text).toContain("# source: RVTools_export_all.xlsx#vInfo row 2 (VM NBC-IWORLD01)\n  - { id: nbc-iworld01, site: guildhall, address: 10.1.10.50, os: windows, aliases: [ nbc-iworld01.northampton.local ] }");
    // No Primary IP Address: the address comes from vNetwork, IPv4 before the link-local IPv6.
    expect(text).toContain("{ id: nbc-iworld-db01, site: guildhall, address: 10.1.11.40, os: linux }");
    expect(text).toContain("    hosts: [ nbc-iworld-db01, nbc-iworld01 ]");
    expect(text).not.toContain("template");
    expect(r.changes.filter((c) => c.what === "merged").map((c) => c.id)).toEqual(["guildhall"]);
  });

  it("skips a VM without any address with a warning naming its row, and imports the rest", async () => {
    const r = await rvtools();
    expect(r.warnings).toEqual([
      expect.objectContaining({ file: "RVTools_export_all.xlsx#vInfo", line: 6, code: "import-bad-row", severity: "warning", message: expect.stringContaining("VM NBC-TEST99 has no IP address") }),
    ]);
    expect(r.changes.filter((c) => c.kind === "host" && c.what === "added")).toHaveLength(4);
  });

  it("changes nothing, byte for byte, when the same export is imported again", async () => {
    await rvtools();
    const before = Object.fromEntries(readdirSync(join(dir, "estate")).map((f) => [f, read(`estate/${f}`)]));
    const again = await rvtools();
    expect(again.files).toEqual([]);
    expect(again.changes.filter((c) => c.what !== "merged")).toEqual([]);
    expect(Object.fromEntries(readdirSync(join(dir, "estate")).map((f) => [f, read(`estate/${f}`)]))).toEqual(before);
  });

  it("keeps hand-set fields and comments, and still applies what the source changed", async () => {
    await rvtools();
    const edited = read("estate/imported-rvtools.yaml")
      .replace("    disposition: rehost\n    target: azure-uksouth\n    hosts: [ nbc-iworld-db01, nbc-iworld01 ]", "    disposition: retain # kept on premises until the contract ends\n    hosts: [ nbc-iworld-db01, nbc-iworld01 ]\n    users: 250")
      .replace("{ id: nbc-uniform01, site: guildhall, address: 10.1.10.60, os: linux }", "{ id: nbc-uniform01, site: guildhall, address: 10.1.10.66, os: linux } # re-addressed by hand");
    writeFileSync(join(dir, "estate/imported-rvtools.yaml"), edited);
    const vms = SMALL_VMS.map((v) => (v.name === "NBC-SQL01" ? { ...v, ip: "10.1.11.12" } : v.name === "NBC-UNIFORM01" ? { ...v, ip: "10.1.10.61" } : v));
    const r = await rvtools(vms);
    const text = read("estate/imported-rvtools.yaml");
    expect(text).toContain("disposition: retain # kept on premises until the contract ends");
    expect(text).toContain("    users: 250\n");
    expect(text).toContain("address: 10.1.10.66, os: linux } # re-addressed by hand");
    expect(text).toContain("{ id: nbc-sql01, site: guildhall, address: 10.1.11.12, os: windows }");
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: "host", id: "nbc-sql01", what: "changed", detail: 'address "10.1.11.10" → "10.1.11.12"' }));
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: "import-conflict", message: expect.stringContaining('host nbc-uniform01: address was edited by hand ("10.1.10.66") and rvtools now says "10.1.10.61"; the hand edit is kept') }));
  });

  it("marks an entry that disappeared from the export, reports it, and keeps it", async () => {
    await rvtools();
    const r = await rvtools(SMALL_VMS.filter((v) => v.name !== "NBC-SQL01"));
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: "host", id: "nbc-sql01", what: "removed" }));
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: "import-missing-entry", message: expect.stringContaining("host nbc-sql01 is no longer in the rvtools export") }));
    const text = read("estate/imported-rvtools.yaml");
    expect(text).toContain("  # source: RVTools_export_all.xlsx#vInfo row 7 (VM NBC-SQL01)\n  # missing: not in the last rvtools import; delete this entry if it is gone for good\n  - { id: nbc-sql01,");
    // Imported again unchanged: still reported, the file untouched.
    const again = await rvtools(SMALL_VMS.filter((v) => v.name !== "NBC-SQL01"));
    expect(again.files).toEqual([]);
    expect(read("estate/imported-rvtools.yaml")).toBe(text);
  });

  it("names a missing required column, its sheet and its file", async () => {
    const { default: ExcelJS } = await import("exceljs");
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("vInfo").addRow(["VM", "Powerstate", "Primary IP Address"]);
    await wb.xlsx.writeFile(join(dir, "old.xlsx"));
    const err = await runImport({ source: "rvtools", files: [join(dir, "old.xlsx")], dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).diagnostics).toEqual([
      expect.objectContaining({ file: "old.xlsx#vInfo", line: 1, code: "import-missing-column", message: expect.stringContaining('RVTools vInfo needs the column "Datacenter"') }),
    ]);
    expect(existsSync(join(dir, "estate/imported-rvtools.yaml"))).toBe(false);
  });

  it("writes nothing when the estate would not validate, and leaves no temporary files", async () => {
    writeFileSync(join(dir, "import.yaml"), PROJECT_FILES["import.yaml"]!.replace("target: azure-uksouth", "target: nowhere"));
    const r = await runImport({ source: "rvtools", files: [await (async () => (await writeRvtools(join(dir, "x.xlsx"), SMALL_VMS), join(dir, "x.xlsx")))()], dir });
    expect(r.written).toBe(false);
    expect(r.invalid).toContainEqual(expect.objectContaining({ code: "unknown-reference", file: "estate/imported-rvtools.yaml" }));
    expect(readdirSync(join(dir, "estate"))).toEqual(["sites.yaml"]);
    const forced = await runImport({ source: "rvtools", files: [join(dir, "x.xlsx")], dir, force: true });
    expect(forced.written).toBe(true);
  });

  it("reports without writing on a dry run", async () => {
    await writeRvtools(join(dir, "x.xlsx"), SMALL_VMS);
    const r = await runImport({ source: "rvtools", files: [join(dir, "x.xlsx")], dir, dryRun: true });
    expect(r.changes.filter((c) => c.what === "added")).toHaveLength(6);
    expect(r.files).toEqual(["estate/imported-rvtools.base.json", "estate/imported-rvtools.yaml"]);
    expect(readdirSync(join(dir, "estate"))).toEqual(["sites.yaml"]);
  });
});

describe("the other sources", () => {
  it("citrix: a UTF-16 Export-Csv with its #TYPE line becomes Citrix-delivered applications with RemoteApp params", async () => {
    writeFiles(dir, { "apps.csv": citrixCsv() });
    const r = await runImport({ source: "citrix", files: [join(dir, "apps.csv")], dir });
    const text = read("estate/imported-citrix.yaml");
    expect(text).toContain("  - id: academy-revenues\n    name: Academy Revenues\n    owner: ICT Applications\n    criticality: high\n    delivery: citrix\n    disposition: replatform\n    target: avd-uksouth\n    params:\n");
    expect(text).toContain('remoteAppPath: C:\\Program Files (x86)\\Capita\\Academy\\academy.exe');
    expect(text).toContain('remoteAppArgs: /env:live /site:"NBC"');
    expect(text).toContain("remoteAppGroups: NORTHAMPTON\\Benefits Users;NORTHAMPTON\\Revs Users");
    expect(text).not.toContain("legacy-cashier");
    expect(r.warnings).toEqual([expect.objectContaining({ file: "apps.csv", line: 7, column: 10, message: expect.stringContaining("System.String[]") })]);
  });

  it("servicenow: semicolon-separated with a BOM and a multi-line field; merges a server RVTools already has and reports the disagreement", async () => {
    await rvtools();
    writeFiles(dir, servicenowFiles());
    const r = await runImport({ source: "servicenow", files: ["cmdb_ci_server.csv", "cmdb_ci_appl.csv", "cmdb_rel_ci.csv"].map((f) => join(dir, f)), dir });
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: "host", id: "nbc-iworld01", what: "merged", file: "estate/imported-rvtools.yaml" }));
    expect(r.warnings).toContainEqual(expect.objectContaining({ code: "import-conflict", file: "estate/imported-rvtools.yaml", message: expect.stringContaining('host nbc-uniform01: servicenow says os "windows"') }));
    expect(r.warnings).toContainEqual(expect.objectContaining({ file: "cmdb_ci_server.csv", line: 7, message: expect.stringContaining("nbc-ghost01 has no usable IP address") }));
    const text = read("estate/imported-servicenow.yaml");
    expect(text).not.toContain("nbc-iworld01,");
    expect(text).toContain("    hosts: [ nbc-lagan01 ]\n    dependsOn:\n      # source: cmdb_rel_ci.csv line 3\n      - { app: revenues-iworld, order: none, note: \"recorded by servicenow: Depends on::Used by\" }");
    expect(text).not.toContain("nbc-old01");
  });

  it("azure-migrate: UTF-16 dependency rows become a recorded dependency with its ports, in the imported file that owns the application", async () => {
    await rvtools();
    writeFiles(dir, azureMigrateFiles());
    const r = await runImport({ source: "azure-migrate", files: [join(dir, "servers.csv"), join(dir, "dependencies.csv")], dir, site: "guildhall" });
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: "dependency", id: "planning-uniform → revenues-iworld", file: "estate/imported-rvtools.yaml", what: "added", detail: "recorded by azure-migrate: tcp/443, tcp/8443" }));
    expect(r.warnings).toContainEqual(expect.objectContaining({ file: "dependencies.csv", line: 6, message: 'destination port "https" is not a port number; row skipped' }));
    expect(read("estate/imported-azure-migrate.yaml")).toContain("{ id: nbc-edms01, site: guildhall, address: 10.1.11.50, os: linux }");
    const again = await runImport({ source: "azure-migrate", files: [join(dir, "servers.csv"), join(dir, "dependencies.csv")], dir, site: "guildhall" });
    expect(again.files).toEqual([]);
  });

  it("netbox: active prefixes become networks with VLAN and purpose; containers are left out; a bad prefix is named", async () => {
    writeFiles(dir, { "prefixes.csv": netboxCsv() });
    const r = await runImport({ source: "netbox", files: [join(dir, "prefixes.csv")], dir });
    expect(read("estate/imported-netbox.yaml")).toContain("{ id: guildhall-10-1-10-0-24, site: guildhall, prefix: 10.1.10.0/24, vlan: 110, purpose: Application servers }");
    expect(read("estate/imported-netbox.yaml")).not.toContain("10.1.0.0/16");
    expect(r.warnings).toEqual([expect.objectContaining({ file: "prefixes.csv", line: 5, column: 1, message: 'prefix "10.1.12.5/24" has host bits set; the network is 10.1.12.0/24; row skipped' })]);
  });

  it("a missing CSV column is named with the columns the file does have", async () => {
    writeFiles(dir, { "p.csv": csv([["Network", "Site"], ["10.0.0.0/24", "Guildhall"]]) });
    const err = (await runImport({ source: "netbox", files: [join(dir, "p.csv")], dir }).catch((e: unknown) => e)) as InputError;
    expect(err.diagnostics[0]!.message).toBe('A NetBox prefixes export needs the column "Prefix", which this file does not have; its columns are: Network, Site');
  });
});
