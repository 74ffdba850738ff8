/**
 * Small exports made the way the tools make them, with their real sheet and column names and
 * their quirks: an RVTools workbook written by exceljs, PowerShell's UTF-16 `Export-Csv` with its
 * `#TYPE` line, a semicolon-separated ServiceNow export with a BOM and a multi-line field,
 * Azure Migrate's UTF-16 dependency CSV, a NetBox prefixes CSV.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ExcelJS from "exceljs";

/** A CSV field, quoted when it must be (separator, quote, line break), quotes doubled. */
export function csvField(v: string, sep = ","): string {
  return v.includes(sep) || v.includes('"') || /[\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
export function csv(rows: string[][], opts: { sep?: string; quoteAll?: boolean } = {}): string {
  const sep = opts.sep ?? ",";
  return rows.map((r) => r.map((v) => (opts.quoteAll ? `"${v.replace(/"/g, '""')}"` : csvField(v, sep))).join(sep)).join("\r\n") + "\r\n";
}
/** UTF-16LE with a BOM, as `Export-Csv -Encoding Unicode` and `Out-File` write on Windows. */
export function utf16(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);
}
export function utf8Bom(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, "utf8")]);
}

// The leading columns of RVTools 4.x tabs, in their order; the importer finds columns by name.
export const VINFO_HEADERS = ["VM", "Powerstate", "Template", "SRM Placeholder", "Config status", "DNS Name", "Connection state", "Guest state", "Heartbeat", "Consolidation Needed", "PowerOn", "CPUs", "Memory", "NICs", "Disks", "Primary IP Address", "Network #1", "Resource pool", "Folder ID", "Folder", "Provisioned MiB", "In Use MiB", "Annotation", "Datacenter", "Cluster", "Host", "OS according to the configuration file", "OS according to the VMware Tools", "VM ID", "VM UUID", "VI SDK Server", "VI SDK UUID"];
export const VNETWORK_HEADERS = ["VM", "Powerstate", "Template", "SRM Placeholder", "NIC label", "Adapter", "Network", "Switch", "Connected", "Starts Connected", "Mac Address", "Type", "IPv4 Address", "IPv6 Address", "Direct Path IO", "Annotation", "Datacenter", "Cluster", "Host", "Folder", "OS according to the configuration file", "VM ID", "VM UUID", "VI SDK Server"];
export const VHOST_HEADERS = ["Host", "Datacenter", "Cluster", "Config status", "in Maintenance Mode", "CPU Model", "Speed", "# CPU", "# Cores", "# Memory", "ESX Version", "Vendor", "Model", "Object ID", "UUID", "VI SDK Server"];
export const VCLUSTER_HEADERS = ["Name", "Config status", "OverallStatus", "NumHosts", "TotalCpu", "TotalMemory", "HA enabled", "DRS enabled", "Object ID", "VI SDK Server"];

export interface Vm {
  name: string;
  ip?: string;
  nicIp?: string;
  os: string;
  annotation?: string;
  dns?: string;
  template?: boolean;
  folder?: string;
  datacenter?: string;
  cluster?: string;
  uuid?: string;
}

function vinfoRow(vm: Vm, i: number): (string | number | boolean)[] {
  const byName: Record<string, string | number | boolean> = {
    VM: vm.name,
    Powerstate: "poweredOn",
    Template: vm.template ? true : false,
    "SRM Placeholder": false,
    "DNS Name": vm.dns ?? "",
    CPUs: 4,
    Memory: 8192,
    NICs: 1,
    Disks: 2,
    "Primary IP Address": vm.ip ?? "",
    "Network #1": "VLAN110-Servers",
    Folder: vm.folder ?? "/Servers",
    Annotation: vm.annotation ?? "",
    Datacenter: vm.datacenter ?? "NBC-Guildhall",
    Cluster: vm.cluster ?? "NBC-CL01",
    Host: "esx01.northampton.local",
    "OS according to the configuration file": vm.os,
    "OS according to the VMware Tools": vm.os,
    "VM ID": `vm-${1000 + i}`,
    "VM UUID": vm.uuid ?? `4213${String(i).padStart(4, "0")}-aaaa-bbbb-cccc-${String(i).padStart(12, "0")}`,
    "VI SDK Server": "vcenter.northampton.local",
  };
  return VINFO_HEADERS.map((h) => byName[h] ?? "");
}

/** An RVTools workbook: vInfo, vNetwork, vHost, vCluster and a tab the import ignores. */
export async function writeRvtools(path: string, vms: Vm[]): Promise<void> {
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useSharedStrings: true });
  const info = wb.addWorksheet("vInfo");
  info.addRow(VINFO_HEADERS).commit();
  vms.forEach((vm, i) => info.addRow(vinfoRow(vm, i)).commit());
  info.commit();
  const cpu = wb.addWorksheet("vCPU");
  cpu.addRow(["VM", "Powerstate", "CPUs", "Sockets"]).commit();
  cpu.commit();
  const net = wb.addWorksheet("vNetwork");
  net.addRow(VNETWORK_HEADERS).commit();
  vms.forEach((vm, i) => {
    const ip = vm.nicIp ?? vm.ip ?? "";
    const row: Record<string, string> = { VM: vm.name, "NIC label": "Network adapter 1", Adapter: "Vmxnet3", Network: "VLAN110-Servers", "IPv4 Address": ip, "IPv6 Address": ip ? "fe80::250:56ff:fe01:1" : "", Datacenter: vm.datacenter ?? "NBC-Guildhall", "VM UUID": vm.uuid ?? `4213${String(i).padStart(4, "0")}-aaaa-bbbb-cccc-${String(i).padStart(12, "0")}` };
    net.addRow(VNETWORK_HEADERS.map((h) => row[h] ?? "")).commit();
  });
  net.commit();
  const host = wb.addWorksheet("vHost");
  host.addRow(VHOST_HEADERS).commit();
  host.addRow(["esx01.northampton.local", "NBC-Guildhall", "NBC-CL01", "green", false, "Intel Xeon Gold 6230", 2100, 2, 40, 786432, "VMware ESXi 7.0.3", "Dell Inc.", "PowerEdge R640", "host-12", "uuid-1", "vcenter.northampton.local"]).commit();
  host.commit();
  const cl = wb.addWorksheet("vCluster");
  cl.addRow(VCLUSTER_HEADERS).commit();
  cl.addRow(["NBC-CL01", "green", "green", 1, 84000, 786432, true, true, "domain-c7", "vcenter.northampton.local"]).commit();
  cl.commit();
  await wb.commit();
}

/** The small council estate the tests import: what the exports describe and the hand-written part around them. */
export const SMALL_VMS: Vm[] = [
  { name: "NBC-IWORLD01", ip: "10.1.10.50", os: "Microsoft Windows Server 2016 (64-bit)", annotation: "App: Revenues (iWorld)\nPatched monthly", dns: "nbc-iworld01.northampton.local" },
  { name: "NBC-IWORLD-DB01", nicIp: "10.1.11.40, fe80::1", os: "Red Hat Enterprise Linux 8 (64-bit)", annotation: "App: Revenues (iWorld)" },
  { name: "NBC-UNIFORM01", ip: "10.1.10.60", os: "Ubuntu Linux (64-bit)", annotation: "Application: Planning (Uniform)" },
  { name: "NBC-TEMPLATE-W2019", os: "Microsoft Windows Server 2019 (64-bit)", template: true },
  { name: "NBC-TEST99", os: "Microsoft Windows Server 2019 (64-bit)" },
  { name: "NBC-SQL01", ip: "10.1.11.10", os: "Microsoft Windows Server 2019 (64-bit)" },
];

export const PROJECT_FILES: Record<string, string> = {
  "estate/sites.yaml": `apiVersion: ferry/v1
kind: Estate
organisations:
  - { id: nbc, name: Northampton Borough Council, successor: wnc }
  - { id: wnc, name: West Northamptonshire Council }
sites:
  - { id: guildhall, name: The Guildhall, kind: office, organisation: nbc }
  - { id: azure-uksouth, name: Azure UK South, kind: cloud, region: uksouth }
  - { id: avd-uksouth, name: Azure Virtual Desktop UK South, kind: cloud, region: uksouth }
calendar:
  firstWave: 2027-01-12
  cadenceDays: 14
  window: { start: "19:00", end: "23:30", timezone: Europe/London }
`,
  "import.yaml": `apiVersion: ferry/v1
kind: ImportMapping
import:
  sites: { NBC-Guildhall: guildhall, Guildhall: guildhall }
  application: { owner: ICT Applications, criticality: high, disposition: rehost, target: azure-uksouth }
  citrix: { disposition: replatform, target: avd-uksouth }
`,
};

export const CITRIX_HEADERS = ["#TYPE Citrix.Broker.Admin.SDK.Application"];
/** `Get-BrokerApplication | Select … | Export-Csv -Encoding Unicode` from Windows PowerShell 5.1. */
export function citrixCsv(): Buffer {
  const rows = [
    ["Name", "ApplicationName", "PublishedName", "AdminFolderName", "CommandLineExecutable", "CommandLineArguments", "WorkingDirectory", "Enabled", "Visible", "AssociatedUserNames", "Description", "Uid"],
    ["Revenues\\Academy Revenues", "Academy Revenues", "Academy Revenues", "Revenues\\", "C:\\Program Files (x86)\\Capita\\Academy\\academy.exe", "/env:live /site:\"NBC\"", "C:\\Program Files (x86)\\Capita\\Academy", "True", "True", "NORTHAMPTON\\Revs Users;NORTHAMPTON\\Benefits Users", "Council tax, business rates\r\nand benefits", "12"],
    ["Planning\\Uniform", "Uniform", "Idox Uniform", "Planning\\", "C:\\Idox\\Uniform\\uniform.exe", "", "", "True", "True", "NORTHAMPTON\\Planning Officers", "", "13"],
    ["Old\\Legacy Cashier", "Legacy Cashier", "Legacy Cashier", "Old\\", "C:\\Cash\\cash.exe", "", "", "False", "False", "NORTHAMPTON\\Cashiers", "", "14"],
    ["Customer\\Lagan", "Lagan", "Lagan CRM", "Customer\\", "C:\\Kana\\Lagan\\lagan.exe", "", "", "True", "True", "System.String[]", "", "15"],
  ];
  return utf16(`#TYPE Citrix.Broker.Admin.SDK.Application\r\n${csv(rows, { quoteAll: true })}`);
}

/** ServiceNow list exports: semicolon-separated (an EU-locale Excel round trip), UTF-8 with a BOM, one multi-line field. */
export function servicenowFiles(): Record<string, Buffer> {
  const servers = csv(
    [
      ["name", "ip_address", "os", "os_version", "fqdn", "location", "install_status", "short_description"],
      ["nbc-iworld01", "10.1.10.50", "Windows 2016 Standard", "10.0.14393", "nbc-iworld01.northampton.local", "Guildhall", "Installed", "Revenues app server;\nowned by Revs"],
      ["NBC-LAGAN01", "10.1.10.70", "Windows 2019 Standard", "", "", "Guildhall", "Installed", ""],
      ["nbc-uniform01", "10.1.10.60", "Windows 2019 Standard", "", "", "Guildhall", "Installed", ""],
      ["nbc-ghost01", "", "Windows 2012", "", "", "Guildhall", "Installed", "no IP recorded"],
      ["nbc-old01", "10.1.10.99", "Windows 2003", "", "", "Guildhall", "Retired", ""],
    ],
    { sep: ";" },
  );
  const appl = csv([
    ["name", "owned_by", "install_status"],
    ["Customer Contact (Lagan)", "Customer Services", "Installed"],
    ["Revenues (iWorld)", "Revenues and Benefits", "Installed"],
  ]);
  const rel = csv([
    ["parent", "type", "child"],
    ["Customer Contact (Lagan)", "Runs on::Runs", "NBC-LAGAN01"],
    ["Customer Contact (Lagan)", "Depends on::Used by", "Revenues (iWorld)"],
    ["Customer Contact (Lagan)", "Contains::Contained by", "nbc-lagan01"],
  ]);
  return { "cmdb_ci_server.csv": utf8Bom(`sep=;\r\n${servers}`), "cmdb_ci_appl.csv": Buffer.from(appl), "cmdb_rel_ci.csv": Buffer.from(rel) };
}

export function azureMigrateFiles(): Record<string, Buffer> {
  const servers = csv([
    ["Server name", "IP address", "Operating system", "Cores", "Memory (MB)"],
    ["NBC-SQL01", "10.1.11.10", "Microsoft Windows Server 2019 Datacenter", "8", "32768"],
    ["NBC-EDMS01", "10.1.11.50, 169.254.10.1", "Ubuntu 20.04", "4", "16384"],
  ]);
  const deps = csv([
    ["Time slot", "Source server name", "Source IP", "Source application", "Source process", "Destination server name", "Destination IP", "Destination application", "Destination process", "Destination port"],
    ["01/02/2027 00:00-06:00", "NBC-IWORLD01", "10.1.10.50", "iWorld", "iworld.exe", "NBC-SQL01", "10.1.11.10", "Microsoft SQL Server", "sqlservr.exe", "1433"],
    ["01/02/2027 00:00-06:00", "NBC-UNIFORM01", "10.1.10.60", "Uniform", "java", "NBC-IWORLD01", "10.1.10.50", "iWorld", "iworld.exe", "443"],
    ["01/02/2027 06:00-12:00", "NBC-UNIFORM01", "10.1.10.60", "Uniform", "java", "NBC-IWORLD01", "10.1.10.50", "iWorld", "iworld.exe", "8443"],
    ["01/02/2027 06:00-12:00", "", "81.2.69.160", "", "", "NBC-UNIFORM01", "10.1.10.60", "Uniform", "java", "443"],
    ["01/02/2027 06:00-12:00", "NBC-UNIFORM01", "10.1.10.60", "Uniform", "java", "NBC-IWORLD01", "10.1.10.50", "iWorld", "iworld.exe", "https"],
  ]);
  return { "servers.csv": Buffer.from(servers), "dependencies.csv": utf16(deps) };
}

export function netboxCsv(): Buffer {
  return Buffer.from(
    csv([
      ["Prefix", "Status", "Children", "VRF", "Utilization", "Tenant", "Site", "VLAN", "Role", "Description"],
      ["10.1.0.0/16", "Container", "4", "", "12%", "NBC", "Guildhall", "", "", "Guildhall supernet"],
      ["10.1.10.0/24", "Active", "0", "", "40%", "NBC", "Guildhall", "Servers (110)", "Servers", "Application servers"],
      ["10.1.11.0/24", "Active", "0", "", "20%", "NBC", "Guildhall", "Data (111)", "Servers", ""],
      ["10.1.12.5/24", "Active", "0", "", "", "NBC", "Guildhall", "", "", "typo: host bits"],
    ]),
  );
}

/** Write `files` (relative path → text or bytes) under `dir`. */
export function writeFiles(dir: string, files: Record<string, string | Buffer>): void {
  for (const [rel, body] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), body);
  }
}
