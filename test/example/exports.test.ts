import { describe, expect, it } from "vitest";
import { DEPENDENCIES } from "../../src/import/azure-migrate.js";
import { APPS as CITRIX } from "../../src/import/citrix.js";
import { PREFIXES } from "../../src/import/netbox.js";
import { VCLUSTER, VHOST, VINFO, VNETWORK } from "../../src/import/rvtools.js";
import { APPS as SN_APPS, RELS } from "../../src/import/servicenow.js";
import { EXPORT_FILES, exampleExports } from "../../src/example/exports.js";

const names = (cols: Record<string, { name: string }>) => Object.values(cols).map((c) => c.name);
const csvHeader = (text: string) => text.split("\r\n")[0]!.split(",").map((h) => h.replace(/^"|"$/g, ""));

describe("the example estate as exports", () => {
  const ex = exampleExports({ apps: 300, seed: 2 });
  const file = (path: string) => ex.files.find((f) => f.path === path)!;

  it("heads every export with every column its importer reads", () => {
    const sheet = (name: string) => ex.workbook.sheets.find((s) => s.name === name)!.rows[0] as string[];
    expect(sheet("vInfo")).toEqual(expect.arrayContaining(names(VINFO)));
    expect(sheet("vNetwork")).toEqual(expect.arrayContaining(names(VNETWORK)));
    expect(sheet("vHost")).toEqual(expect.arrayContaining(names(VHOST)));
    expect(sheet("vCluster")).toEqual(expect.arrayContaining(names(VCLUSTER)));
    expect(csvHeader(file(EXPORT_FILES.dependencies).text)).toEqual(expect.arrayContaining(names(DEPENDENCIES)));
    expect(csvHeader(file(EXPORT_FILES.appl).text)).toEqual(expect.arrayContaining(names(SN_APPS)));
    expect(csvHeader(file(EXPORT_FILES.rel).text)).toEqual(expect.arrayContaining(names(RELS)));
    expect(csvHeader(file(EXPORT_FILES.netbox).text)).toEqual(expect.arrayContaining(names(PREFIXES)));
    const citrix = file(EXPORT_FILES.citrix).bytes!;
    expect([...citrix.subarray(0, 2)]).toEqual([0xff, 0xfe]);
    expect(csvHeader(citrix.subarray(2).toString("utf16le"))).toEqual(expect.arrayContaining(names(CITRIX)));
  });

  it("describes the estate's hosts, dependencies and Citrix applications", () => {
    const vinfo = ex.workbook.sheets[0]!.rows;
    expect(ex.counts.vms).toBeGreaterThanOrEqual(300);
    expect(vinfo.length - 1).toBeGreaterThan(ex.counts.vms); // the templates
    expect(ex.counts.dependencyRows).toBeGreaterThan(300);
    expect(ex.counts.citrixApps).toBeGreaterThan(0);
    expect(ex.files.map((f) => f.path)).toContain("estate/sites.yaml");
    expect(ex.files.some((f) => /estate\/(hosts|applications)/.test(f.path))).toBe(false);
  });

  it("is the same for the same seed, and another for another", () => {
    expect(exampleExports({ apps: 300, seed: 2 })).toEqual(ex);
    expect(exampleExports({ apps: 300, seed: 3 }).files).not.toEqual(ex.files);
  });
});
