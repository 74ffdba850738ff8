/**
 * Import cost (issue 18, item 6): `ferry import rvtools` of a 10k-VM RVTools workbook, then
 * `ferry import azure-migrate` of ~50k dependency rows against it, beside the floor: a node
 * process that only reads the same workbook with exceljs, the library the import reads it with.
 * The exports are the synthetic estate of `ferry example --apps N --as-exports` (the same
 * generator as the other benchmarks' estates). Each import starts from an estate without its
 * imported file (a no-change re-import skips validation and writing, which would flatter it).
 * Target: the RVTools import within 2× the floor.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure } from "./_measure.js";
import type { BenchTable } from "./table.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FERRY = join(ROOT, "dist", "cli", "main.js");
const TARGET_RATIO = 2;

const FLOOR = `
import ExcelJS from "exceljs";
const wb = new ExcelJS.Workbook();
await wb.xlsx.readFile(process.argv[2]);
let cells = 0;
for (const ws of wb.worksheets) ws.eachRow((row) => { cells += row.values.length; });
`;

export default async function run(): Promise<BenchTable[]> {
  const apps = Number(process.env.FERRY_BENCH_APPS ?? process.env.FERRY_BENCH_VMS ?? 10_000);
  const runs = Number(process.env.FERRY_BENCH_RUNS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-import-"));
  const node = process.execPath;
  try {
    const example = await measure("sh", ["-c", `rm -rf ${dir}/* && exec ${node} ${FERRY} example --apps ${apps} --seed 1 --out ${dir} --as-exports > ${dir}.example.txt`], { runs });
    const summary = /(\d+) VMs, (\d+) dependency rows/.exec(readText(`${dir}.example.txt`));
    if (!summary) throw new Error(`ferry example --as-exports printed no summary: ${readText(`${dir}.example.txt`)}`);
    const [vms, depRows] = [Number(summary[1]), Number(summary[2])];
    const workbook = join(dir, "exports", "RVTools_export_all.xlsx");
    const deps = join(dir, "exports", "azure-migrate-dependencies.csv");
    const floorScript = join(ROOT, "node_modules", ".ferry-bench-xlsx-floor.mjs");
    writeFileSync(floorScript, FLOOR);
    const floor = await measure(node, [floorScript, workbook], { runs });
    const importRv = `${node} ${FERRY} import rvtools ${workbook} --dir ${dir} > /dev/null`;
    const rv = await measure("sh", ["-c", `rm -f ${dir}/estate/imported-* && exec ${importRv}`], { runs });
    // measure() accepts exit 2 (a bad import), so check that the import did write before timing what follows.
    if (!existsSync(join(dir, "estate", "imported-rvtools.yaml"))) throw new Error("ferry import rvtools wrote nothing");
    const again = await measure("sh", ["-c", `exec ${importRv}`], { runs });
    // The dependency import writes its recorded dependencies into imported-rvtools.yaml: each run starts from the file the RVTools import wrote.
    const saved = `${dir}.imported-rvtools.yaml`;
    copyFileSync(join(dir, "estate", "imported-rvtools.yaml"), saved);
    const dep = await measure("sh", ["-c", `cp ${saved} ${dir}/estate/imported-rvtools.yaml && rm -f ${dir}/estate/imported-azure-migrate* && exec ${node} ${FERRY} import azure-migrate ${deps} --dir ${dir} > /dev/null`], { runs });
    if (!existsSync(join(dir, "estate", "imported-azure-migrate.base.json"))) throw new Error("ferry import azure-migrate wrote nothing");
    const ratio = rv.wallMs / floor.wallMs;
    return [
      {
        title: `ferry import vs reading the workbook with exceljs alone (${vms.toLocaleString("en-GB")} VMs, ${depRows.toLocaleString("en-GB")} dependency rows; median wall ms, peak RSS MB)`,
        columns: ["job", "ms", "MB", "vs floor"],
        rows: [
          ["ferry example --as-exports (writing the exports)", example.wallMs.toFixed(0), example.peakRssMb.toFixed(0), "—"],
          ["exceljs readFile of the workbook (floor)", floor.wallMs.toFixed(0), floor.peakRssMb.toFixed(0), "1.00×"],
          ["ferry import rvtools (new file)", rv.wallMs.toFixed(0), rv.peakRssMb.toFixed(0), `${ratio.toFixed(2)}×`],
          ["ferry import rvtools (same export again)", again.wallMs.toFixed(0), again.peakRssMb.toFixed(0), `${(again.wallMs / floor.wallMs).toFixed(2)}×`],
          ["ferry import azure-migrate (dependencies)", dep.wallMs.toFixed(0), dep.peakRssMb.toFixed(0), "—"],
        ],
        notes: [
          `Exports: \`ferry example --apps ${apps.toLocaleString("en-GB")} --seed 1 --as-exports\`: an RVTools workbook (vInfo, vNetwork, vHost, vCluster) of ${vms.toLocaleString("en-GB")} VMs over the example's sites, one application per annotated VM; ${depRows.toLocaleString("en-GB")} Azure Migrate rows, the estate's dependencies seen in two time slots.`,
          `Floor: a node process that only reads the same workbook with exceljs's Workbook.xlsx.readFile, the reader the import uses. Target: the RVTools import within ${TARGET_RATIO}× the floor (${ratio <= TARGET_RATIO ? "met" : "missed"}).`,
          "Each import starts without its imported file (the dependency import from the file the RVTools import wrote), so it includes merging, validating the resulting estate and the atomic write; all figures include node start-up.",
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(`${dir}.example.txt`, { force: true });
    rmSync(`${dir}.imported-rvtools.yaml`, { force: true });
  }
}

function readText(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}
