/**
 * Import cost (issue 18, item 6): `ferry import rvtools` of a 10k-VM RVTools workbook, then
 * `ferry import azure-migrate` of 50k dependency rows against it, beside the floor: a node process
 * that only reads the same workbook with exceljs, the library the import reads it with. Each
 * import starts from an estate without imported files (a no-change re-import skips validation
 * and writing, which would flatter it). Target: the RVTools import within 2× the floor.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ExcelJS from "exceljs";
import { measure } from "./_measure.js";
import type { BenchTable } from "./table.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FERRY = join(ROOT, "dist", "cli", "main.js");
const TARGET_RATIO = 2;

const VINFO = ["VM", "Powerstate", "Template", "SRM Placeholder", "Config status", "DNS Name", "Connection state", "Guest state", "Heartbeat", "Consolidation Needed", "PowerOn", "CPUs", "Memory", "NICs", "Disks", "Primary IP Address", "Network #1", "Resource pool", "Folder ID", "Folder", "Provisioned MiB", "In Use MiB", "Annotation", "Datacenter", "Cluster", "Host", "OS according to the configuration file", "OS according to the VMware Tools", "VM ID", "VM UUID", "VI SDK Server", "VI SDK UUID"];
const VNETWORK = ["VM", "Powerstate", "Template", "NIC label", "Adapter", "Network", "Switch", "Connected", "Starts Connected", "Mac Address", "Type", "IPv4 Address", "IPv6 Address", "Datacenter", "Cluster", "Host", "Folder", "VM UUID", "VI SDK Server"];
const OS = ["Microsoft Windows Server 2019 (64-bit)", "Red Hat Enterprise Linux 8 (64-bit)", "Ubuntu Linux (64-bit)", "Microsoft Windows Server 2016 (64-bit)"];

const vmName = (i: number) => `SRV-${String(i).padStart(5, "0")}`;
const vmIp = (i: number) => `10.${20 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${(i % 254) + 1}`;

/** A synthetic RVTools workbook: `vms` VMs over 8 datacentres, two VMs per application annotation. */
async function writeWorkbook(path: string, vms: number): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const info = wb.addWorksheet("vInfo");
  info.addRow(VINFO).commit();
  const net = wb.addWorksheet("vNetwork");
  net.addRow(VNETWORK).commit();
  for (let i = 0; i < vms; i++) {
    const dc = `DC-${i % 8}`;
    const uuid = `4213${String(i).padStart(8, "0")}-0000-0000-0000-000000000000`;
    const row: Record<string, string | number | boolean> = {
      VM: vmName(i), Powerstate: "poweredOn", Template: false, "SRM Placeholder": false, "DNS Name": `${vmName(i).toLowerCase()}.council.local`, CPUs: 4, Memory: 8192, NICs: 1, Disks: 2,
      "Primary IP Address": vmIp(i), "Network #1": "VLAN110", Folder: `/${dc}/Servers`, Annotation: `App: System ${Math.floor(i / 2)}\nBuilt by the ICT team`, Datacenter: dc, Cluster: `${dc}-CL1`, Host: `esx${i % 40}.council.local`,
      "OS according to the configuration file": OS[i % OS.length]!, "OS according to the VMware Tools": OS[i % OS.length]!, "VM ID": `vm-${i}`, "VM UUID": uuid, "VI SDK Server": "vcenter.council.local",
    };
    info.addRow(VINFO.map((h) => row[h] ?? "")).commit();
    const n: Record<string, string | boolean> = { VM: vmName(i), Powerstate: "poweredOn", Template: false, "NIC label": "Network adapter 1", Adapter: "Vmxnet3", Network: "VLAN110", Connected: true, "IPv4 Address": vmIp(i), Datacenter: dc, "VM UUID": uuid };
    net.addRow(VNETWORK.map((h) => n[h] ?? "")).commit();
  }
  info.commit();
  net.commit();
  const host = wb.addWorksheet("vHost");
  host.addRow(["Host", "Datacenter", "Cluster"]).commit();
  for (let h = 0; h < 40; h++) host.addRow([`esx${h}.council.local`, `DC-${h % 8}`, `DC-${h % 8}-CL1`]).commit();
  host.commit();
  await wb.commit();
}

/** Azure Migrate dependency rows between the VMs (deterministic), as the portal exports them. */
function dependencyCsv(vms: number, rows: number): string {
  const out = ["Time slot,Source server name,Source IP,Source application,Source process,Destination server name,Destination IP,Destination application,Destination process,Destination port"];
  let x = 12345;
  const next = () => (x = (x * 1103515245 + 12345) % 2147483648);
  for (let r = 0; r < rows; r++) {
    const a = next() % vms;
    const b = next() % vms;
    out.push(`01/02/2027 00:00-06:00,${vmName(a)},${vmIp(a)},App,app.exe,${vmName(b)},${vmIp(b)},Svc,svc.exe,${[443, 1433, 445, 8080][next() % 4]}`);
  }
  return out.join("\r\n") + "\r\n";
}

const FLOOR = `
import ExcelJS from "exceljs";
const wb = new ExcelJS.Workbook();
await wb.xlsx.readFile(process.argv[2]);
let cells = 0;
for (const ws of wb.worksheets) ws.eachRow((row) => { cells += row.values.length; });
`;

export default async function run(): Promise<BenchTable[]> {
  const vms = Number(process.env.FERRY_BENCH_VMS ?? 10_000);
  const depRows = Number(process.env.FERRY_BENCH_DEPS ?? 50_000);
  const runs = Number(process.env.FERRY_BENCH_RUNS ?? 3);
  const dir = mkdtempSync(join(tmpdir(), "ferry-bench-import-"));
  try {
    mkdirSync(join(dir, "estate"));
    writeFileSync(join(dir, "estate", "calendar.yaml"), "apiVersion: ferry/v1\nkind: Estate\ncalendar:\n  firstWave: 2027-01-12\n  cadenceDays: 14\n  window: { start: \"19:00\", end: \"23:30\" }\n");
    await writeWorkbook(join(dir, "rvtools.xlsx"), vms);
    writeFileSync(join(dir, "dependencies.csv"), dependencyCsv(vms, depRows));
    const floorScript = join(ROOT, "node_modules", ".ferry-bench-xlsx-floor.mjs");
    writeFileSync(floorScript, FLOOR);
    const clean = `rm -f ${dir}/estate/imported-*`;
    const floor = await measure(process.execPath, [floorScript, join(dir, "rvtools.xlsx")], { runs });
    const rv = await measure("sh", ["-c", `${clean} && exec ${process.execPath} ${FERRY} import rvtools ${dir}/rvtools.xlsx --dir ${dir} > /dev/null`], { runs });
    // The dependency import needs the RVTools file in place; only its own output is removed between runs.
    await measure(process.execPath, [FERRY, "import", "rvtools", join(dir, "rvtools.xlsx"), "--dir", dir], { runs: 1 });
    const deps = await measure("sh", ["-c", `rm -f ${dir}/estate/imported-azure-migrate* && exec ${process.execPath} ${FERRY} import azure-migrate ${dir}/dependencies.csv --dir ${dir} > /dev/null`], { runs });
    const again = await measure(process.execPath, [FERRY, "import", "rvtools", join(dir, "rvtools.xlsx"), "--dir", dir], { runs });
    const ratio = rv.wallMs / floor.wallMs;
    return [
      {
        title: `ferry import vs reading the workbook with exceljs alone (${vms.toLocaleString("en-GB")} VMs, ${depRows.toLocaleString("en-GB")} dependency rows; median wall ms, peak RSS MB)`,
        columns: ["job", "ms", "MB", "vs floor"],
        rows: [
          ["exceljs readFile of the workbook (floor)", floor.wallMs.toFixed(0), floor.peakRssMb.toFixed(0), "1.00×"],
          ["ferry import rvtools (new file)", rv.wallMs.toFixed(0), rv.peakRssMb.toFixed(0), `${ratio.toFixed(2)}×`],
          ["ferry import rvtools (same export again)", again.wallMs.toFixed(0), again.peakRssMb.toFixed(0), `${(again.wallMs / floor.wallMs).toFixed(2)}×`],
          ["ferry import azure-migrate (dependencies)", deps.wallMs.toFixed(0), deps.peakRssMb.toFixed(0), "—"],
        ],
        notes: [
          `Workbook: vInfo (${VINFO.length} RVTools columns), vNetwork and vHost, ${vms.toLocaleString("en-GB")} VMs over 8 datacentres, two VMs per annotated application; dependencies: ${depRows.toLocaleString("en-GB")} Azure Migrate rows between random VM pairs.`,
          `Floor: a node process that only reads the same workbook with exceljs's Workbook.xlsx.readFile, the reader the import uses. Target: the RVTools import within ${TARGET_RATIO}× the floor (${ratio <= TARGET_RATIO ? "met" : "missed"}).`,
          "Each import starts without its imported file, so it includes merging, validating the resulting estate and the atomic write; all figures include node start-up.",
        ],
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
