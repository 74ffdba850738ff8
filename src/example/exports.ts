/**
 * `ferry example --as-exports`: the synthetic estate of `generateExample`, written the way a
 * council's tools would export it, so `ferry import` can be tried (and benchmarked) at any size.
 *
 * - RVTools workbook: a VM per on-premises host (the applications' servers and the sites' jump
 *   hosts), its application in an `App:` annotation line, its site as the Datacenter; vNetwork,
 *   vHost and vCluster beside it. One VM in nine has no Primary IP Address (VMware Tools not
 *   running), so its address comes from vNetwork; each site has a template the import leaves out.
 * - Azure Migrate dependency analysis: a connection per dependency (`dependsOn`) between the two
 *   applications' servers, seen in two time slots; some internet clients (no source server).
 * - ServiceNow `cmdb_ci_appl` and `cmdb_rel_ci`: every application, the server it runs on, its
 *   together-dependencies, and a few retired applications the import leaves out.
 * - Citrix published applications (UTF-16, as PowerShell writes it): a client for each
 *   application delivered through Citrix, depending (in ServiceNow) on the application it fronts.
 * - NetBox prefixes: each site's server and user networks (user LANs reuse 192.168.x.0/24 across
 *   sites, so each site's LAN has its own VRF), and a container the import leaves out.
 *
 * The project around the exports is what no export carries: organisations, sites with their
 * closure dates, the calendar (sized for the applications the import makes), an `import.yaml`
 * mapping, stacks and runbooks. Headers are the importer's own column names (its exported
 * constants) among the tools' other columns. Pure and deterministic, except writing the workbook.
 */
import ExcelJS from "exceljs";
import { DEPENDENCIES } from "../import/azure-migrate.js";
import { APPS as CITRIX } from "../import/citrix.js";
import { PREFIXES } from "../import/netbox.js";
import { VCLUSTER, VHOST, VINFO, VNETWORK } from "../import/rvtools.js";
import { APPS as SN_APPS, RELS } from "../import/servicenow.js";
import { parseYaml } from "../model/yaml-source.js";
import { generateExample, type ExampleOptions, type GeneratedFile } from "./generate.js";

/** A workbook to write: sheets in order, the first row of each its header. */
export interface Workbook {
  path: string;
  sheets: { name: string; rows: (string | number | boolean)[][] }[];
}

/** A file to write: text, or bytes when it is not UTF-8 (the UTF-16 Citrix export). */
export interface ExportFile extends GeneratedFile {
  bytes?: Buffer;
}

export interface ExampleExports {
  /** The project around the exports and the CSV exports. */
  files: ExportFile[];
  /** The RVTools workbook. */
  workbook: Workbook;
  /** `ferry import` argument lists, in the order to run them (paths relative to the project). */
  imports: string[][];
  /** Counts, for the summary line and the benchmark's notes. */
  counts: { vms: number; dependencyRows: number; citrixApps: number; applications: number; prefixes: number };
}

interface Site { id: string; name: string; kind: string; organisation?: string }
interface Network { id: string; site: string; prefix: string; vlan?: number; purpose?: string }
interface Host { id: string; site: string; address: string; os: string }
interface App { id: string; name: string; owner: string; delivery: string; hosts: string[]; dependsOn?: { app: string; together?: boolean }[] }

export const EXPORT_FILES = {
  rvtools: "exports/RVTools_export_all.xlsx",
  dependencies: "exports/azure-migrate-dependencies.csv",
  appl: "exports/cmdb_ci_appl.csv",
  rel: "exports/cmdb_rel_ci.csv",
  citrix: "exports/citrix-published-apps.csv",
  netbox: "exports/netbox-prefixes.csv",
} as const;

// Share of the applications delivered through Citrix, each of which gains a published client on
// import: the calendar is sized with room for them.
const CAPACITY_FACTOR = 1.5;

const IMPORT_YAML = `# Written by \`ferry example --as-exports\`: the mapping the example's exports need (docs/import.md).
# Sites are matched by name (RVTools Datacenter, NetBox Site) with estate/sites.yaml, so none are listed.
apiVersion: ferry/v1
kind: ImportMapping
import:
  application: { owner: ICT Applications, criticality: medium, disposition: rehost, target: azure-uksouth }
  citrix: { disposition: replatform, target: avd-uksouth }
`;

/** A CSV field, quoted when it must be (separator, quote, line break), quotes doubled. */
const field = (v: string): string => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
const csv = (rows: string[][], quoteAll = false): string => rows.map((r) => r.map((v) => (quoteAll ? `"${v.replace(/"/g, '""')}"` : field(v))).join(",")).join("\r\n") + "\r\n";
/** UTF-16 LE with a BOM, as `Export-Csv -Encoding Unicode` writes on Windows. */
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]);

/** Rows keyed by column name, laid out under `header` (columns a row lacks are empty). */
function table(header: readonly string[], rows: Record<string, string | number | boolean>[]): (string | number | boolean)[][] {
  return [[...header], ...rows.map((r) => header.map((h) => r[h] ?? ""))];
}

const WINDOWS = ["Microsoft Windows Server 2019 (64-bit)", "Microsoft Windows Server 2016 (64-bit)"];
const LINUX = ["Red Hat Enterprise Linux 8 (64-bit)", "Ubuntu Linux (64-bit)"];
const vmName = (hostId: string) => hostId.toUpperCase();
const uuid = (i: number) => `4213${i.toString(16).padStart(4, "0").slice(-4)}-${(i >>> 16).toString(16).padStart(4, "0")}-5c1e-8d2a-${i.toString(16).padStart(12, "0")}`;

/** The example estate of `opts` as exports, with the project files an import starts from. */
export function exampleExports(opts: ExampleOptions): ExampleExports {
  const apps = Math.max(1, Math.floor(opts.apps));
  const generated = generateExample({ ...opts, capacityFor: Math.ceil(apps * CAPACITY_FACTOR) });
  const lists = { sites: [] as Site[], networks: [] as Network[], hosts: [] as Host[], applications: [] as App[] };
  for (const f of generated) {
    const data = parseYaml(f.path, f.text).data as Partial<typeof lists>;
    for (const k of Object.keys(lists) as (keyof typeof lists)[]) (lists[k] as unknown[]).push(...((data[k] as unknown[] | undefined) ?? []));
  }
  const sites = new Map(lists.sites.map((s) => [s.id, s]));
  const hosts = new Map(lists.hosts.map((h) => [h.id, h]));
  const byId = new Map(lists.applications.map((a) => [a.id, a]));
  const appOfHost = new Map(lists.applications.flatMap((a) => a.hosts.map((h) => [h, a] as const)));
  const onPrem = lists.hosts.filter((h) => sites.get(h.site)?.kind !== "cloud");
  const siteName = (id: string) => sites.get(id)!.name;

  // RVTools.
  const vinfoHeader = [VINFO.vm.name, VINFO.powerstate.name, VINFO.template.name, "SRM Placeholder", "Config status", VINFO.dnsName.name, "Connection state", "Guest state", "Heartbeat", "PowerOn", "CPUs", "Memory", "NICs", "Disks", VINFO.primaryIp.name, "Network #1", "Resource pool", VINFO.folder.name, "Provisioned MiB", "In Use MiB", VINFO.annotation.name, VINFO.datacenter.name, VINFO.cluster.name, "Host", VINFO.osConfig.name, VINFO.osTools.name, "VM ID", VINFO.uuid.name, "VI SDK Server"];
  const vnetHeader = [VNETWORK.vm.name, "Powerstate", "Template", "NIC label", "Adapter", "Network", "Switch", "Connected", "Starts Connected", "Mac Address", "Type", VNETWORK.ipv4.name, "IPv6 Address", "Datacenter", "Cluster", "Host", VNETWORK.uuid.name, "VI SDK Server"];
  const vinfo: Record<string, string | number | boolean>[] = [];
  const vnet: Record<string, string | number | boolean>[] = [];
  onPrem.forEach((h, i) => {
    const app = appOfHost.get(h.id);
    const dc = siteName(h.site);
    const osList = h.os === "windows" ? WINDOWS : LINUX;
    const os = osList[i % osList.length]!;
    const noTools = i % 9 === 4;
    const esx = `esx${String((i % 2) + 1).padStart(2, "0")}.${h.site}.council.local`;
    vinfo.push({
      [VINFO.vm.name]: vmName(h.id), [VINFO.powerstate.name]: "poweredOn", [VINFO.template.name]: false, "SRM Placeholder": false, "Config status": "green",
      [VINFO.dnsName.name]: noTools ? "" : `${h.id}.council.local`, "Connection state": "connected", "Guest state": noTools ? "notRunning" : "running", Heartbeat: noTools ? "gray" : "green", PowerOn: "2024-03-02 07:15",
      CPUs: app ? 4 : 2, Memory: app ? 16384 : 4096, NICs: 1, Disks: app ? 2 : 1, [VINFO.primaryIp.name]: noTools ? "" : h.address, "Network #1": "VLAN110-Servers", "Resource pool": "Resources",
      [VINFO.folder.name]: app ? `/${dc}/${app.owner}` : `/${dc}/Infrastructure`, "Provisioned MiB": 122880, "In Use MiB": 61440,
      [VINFO.annotation.name]: app ? `App: ${app.name}\nOwner: ${app.owner}` : `Jump host for ${dc}\nManaged by ICT`,
      [VINFO.datacenter.name]: dc, [VINFO.cluster.name]: `${dc} CL01`, Host: esx, [VINFO.osConfig.name]: os, [VINFO.osTools.name]: noTools ? "" : os, "VM ID": `vm-${1000 + i}`, [VINFO.uuid.name]: uuid(i), "VI SDK Server": "vcenter.council.local",
    });
    vnet.push({
      [VNETWORK.vm.name]: vmName(h.id), Powerstate: "poweredOn", Template: false, "NIC label": "Network adapter 1", Adapter: "Vmxnet3", Network: "VLAN110-Servers", Switch: "dvSwitch0", Connected: true, "Starts Connected": true,
      "Mac Address": `00:50:56:${((i >> 16) & 255).toString(16).padStart(2, "0")}:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}`, Type: "Assigned",
      [VNETWORK.ipv4.name]: h.address, "IPv6 Address": noTools ? "" : "fe80::250:56ff:fe00:1", Datacenter: dc, Cluster: `${dc} CL01`, Host: esx, [VNETWORK.uuid.name]: uuid(i), "VI SDK Server": "vcenter.council.local",
    });
  });
  const onPremSites = lists.sites.filter((s) => s.kind !== "cloud");
  onPremSites.forEach((s, k) => {
    // A template per site: the import leaves templates out.
    vinfo.push({ [VINFO.vm.name]: `TPL-W2019-${s.id.toUpperCase()}`, [VINFO.powerstate.name]: "poweredOff", [VINFO.template.name]: true, [VINFO.folder.name]: `/${s.name}/Templates`, [VINFO.datacenter.name]: s.name, [VINFO.cluster.name]: `${s.name} CL01`, [VINFO.osConfig.name]: WINDOWS[0]!, [VINFO.uuid.name]: uuid(onPrem.length + k) });
  });
  const vhostHeader = [VHOST.host.name, VHOST.datacenter.name, VHOST.cluster.name, "Config status", "in Maintenance Mode", "CPU Model", "# CPU", "# Cores", "# Memory", "ESX Version", "Vendor", "Model", "VI SDK Server"];
  const vclusterHeader = [VCLUSTER.name.name, "Config status", "OverallStatus", "NumHosts", "TotalCpu", "TotalMemory", "HA enabled", "DRS enabled", "VI SDK Server"];
  const vhost = onPremSites.flatMap((s) =>
    [1, 2].map((n) => ({ [VHOST.host.name]: `esx0${n}.${s.id}.council.local`, [VHOST.datacenter.name]: s.name, [VHOST.cluster.name]: `${s.name} CL01`, "Config status": "green", "in Maintenance Mode": false, "CPU Model": "Intel(R) Xeon(R) Gold 6230", "# CPU": 2, "# Cores": 40, "# Memory": 786432, "ESX Version": "VMware ESXi 7.0.3", Vendor: "Dell Inc.", Model: "PowerEdge R640", "VI SDK Server": "vcenter.council.local" })),
  );
  const vcluster = onPremSites.map((s) => ({ [VCLUSTER.name.name]: `${s.name} CL01`, "Config status": "green", OverallStatus: "green", NumHosts: 2, TotalCpu: 168000, TotalMemory: 1572864, "HA enabled": true, "DRS enabled": true, "VI SDK Server": "vcenter.council.local" }));
  const workbook: Workbook = {
    path: EXPORT_FILES.rvtools,
    sheets: [
      { name: "vInfo", rows: table(vinfoHeader, vinfo) },
      { name: "vNetwork", rows: table(vnetHeader, vnet) },
      { name: "vHost", rows: table(vhostHeader, vhost) },
      { name: "vCluster", rows: table(vclusterHeader, vcluster) },
    ],
  };

  // Azure Migrate dependency analysis: the client's server connects to the server it depends on.
  const depHeader = ["Time slot", DEPENDENCIES.sourceName.name, DEPENDENCIES.sourceIp.name, "Source application", DEPENDENCIES.sourceProcess.name, DEPENDENCIES.destName.name, DEPENDENCIES.destIp.name, "Destination application", DEPENDENCIES.destProcess.name, DEPENDENCIES.port.name];
  const slots = ["01/02/2027 00:00-06:00", "01/02/2027 06:00-12:00"];
  const listen = (h: Host): [string, string] => (h.os === "windows" ? ["sqlservr.exe", "1433"] : ["java", "8443"]);
  const deps: string[][] = [depHeader];
  let n = 0;
  for (const a of lists.applications) {
    const from = hosts.get(a.hosts[0]!);
    if (!from || sites.get(from.site)?.kind === "cloud") continue;
    const client = from.os === "windows" ? "w3wp.exe" : "java";
    for (const d of a.dependsOn ?? []) {
      const to = hosts.get(byId.get(d.app)?.hosts[0] ?? "");
      if (!to || to.id === from.id) continue;
      const [process, port] = listen(to);
      for (const slot of slots) deps.push([slot, vmName(from.id), from.address, a.name, client, vmName(to.id), to.address, byId.get(d.app)!.name, process, port]);
    }
    // Web applications are also reached from outside: a client Azure Migrate did not discover.
    if (a.delivery === "web" && n++ % 10 === 0) deps.push([slots[1]!, "", "81.2.69.160", "", "", vmName(from.id), from.address, a.name, "nginx", "443"]);
  }

  // Citrix published applications: a client for each application delivered through Citrix.
  const citrixApps = lists.applications.filter((a) => a.delivery === "citrix");
  const clientName = (a: App) => `${a.name} client`;
  const exe = (a: App) => `C:\\Program Files (x86)\\${a.name.replace(/ \d+$/, "")}\\${a.name.replace(/ \d+$/, "").replace(/ /g, "")}.exe`;
  const citrixHeader = ["Name", CITRIX.applicationName.name, CITRIX.publishedName.name, "AdminFolderName", CITRIX.executable.name, CITRIX.arguments.name, CITRIX.workingDirectory.name, CITRIX.enabled.name, "Visible", CITRIX.users.name, "Uid"];
  const citrix = [
    citrixHeader,
    ...citrixApps.map((a, k) => [`${a.owner}\\${clientName(a)}`, clientName(a), clientName(a), `${a.owner}\\`, exe(a), `/instance:${a.id}`, exe(a).replace(/\\[^\\]+$/, ""), "True", "True", `COUNCIL\\${a.owner} Users;COUNCIL\\${a.name} Users`, String(100 + k)]),
  ];

  // ServiceNow: applications, where they run, and what ServiceNow records them depending on.
  const applHeader = [SN_APPS.name.name, SN_APPS.owner.name, SN_APPS.status.name, "operational_status", "sys_class_name", "short_description"];
  const appl: string[][] = [applHeader];
  const rel: string[][] = [[RELS.parent.name, RELS.type.name, RELS.child.name, "connection_strength"]];
  lists.applications.forEach((a, k) => {
    appl.push([a.name, a.owner, "Installed", "Operational", "cmdb_ci_appl", `${a.name}, run by ${a.owner}`]);
    for (const h of a.hosts) if (sites.get(hosts.get(h)?.site ?? "")?.kind !== "cloud") rel.push([a.name, "Runs on::Runs", vmName(h), "Always"]);
    for (const d of a.dependsOn ?? []) if (d.together) rel.push([a.name, "Depends on::Used by", byId.get(d.app)!.name, "Always"]);
    if (a.delivery === "citrix") {
      appl.push([clientName(a), a.owner, "Installed", "Operational", "cmdb_ci_appl", `Citrix published client of ${a.name}`]);
      rel.push([clientName(a), "Depends on::Used by", a.name, "Always"]);
    }
    // An application switched off long ago: the import leaves retired ones out.
    if (k % 50 === 7) appl.push([`Legacy ${a.name}`, a.owner, "Retired", "Non-Operational", "cmdb_ci_appl", "Decommissioned"]);
  });

  // NetBox prefixes.
  const netboxHeader = [PREFIXES.prefix.name, PREFIXES.status.name, "Children", PREFIXES.vrf.name, "Utilization", "Tenant", PREFIXES.site.name, PREFIXES.vlan.name, PREFIXES.role.name, PREFIXES.description.name];
  const prefixes: string[][] = [netboxHeader, ["10.0.0.0/8", "Container", String(lists.networks.length), "", "3%", "", "", "", "", "Council supernet"]];
  for (const net of lists.networks) {
    const s = sites.get(net.site)!;
    const users = net.purpose === "users";
    const role = users ? "Users" : "Servers";
    prefixes.push([net.prefix, "Active", "0", users ? `${s.name} LAN` : "", "40%", (s.organisation ?? "").toUpperCase(), s.name, net.vlan ? `${role} (${net.vlan})` : "", role, net.purpose ?? ""]);
  }

  const project = generated.filter((f) => f.path === "estate/sites.yaml");
  const files: ExportFile[] = [
    ...project,
    { path: "import.yaml", text: IMPORT_YAML },
    { path: EXPORT_FILES.netbox, text: csv(prefixes) },
    { path: EXPORT_FILES.citrix, text: "", bytes: utf16(csv(citrix, true)) },
    { path: EXPORT_FILES.appl, text: csv(appl, true) },
    { path: EXPORT_FILES.rel, text: csv(rel, true) },
    { path: EXPORT_FILES.dependencies, text: csv(deps) },
  ];
  return {
    files,
    workbook,
    imports: [
      ["netbox", EXPORT_FILES.netbox],
      ["rvtools", EXPORT_FILES.rvtools],
      ["citrix", EXPORT_FILES.citrix],
      ["servicenow", EXPORT_FILES.appl, EXPORT_FILES.rel],
      ["azure-migrate", EXPORT_FILES.dependencies],
    ],
    counts: { vms: onPrem.length, dependencyRows: deps.length - 1, citrixApps: citrixApps.length, applications: lists.applications.length, prefixes: lists.networks.length },
  };
}

type Zip = { append: (source: unknown, data: Record<string, unknown>) => unknown };
const StreamWriter = ExcelJS.stream.xlsx.WorkbookWriter as unknown as new (options: Partial<ExcelJS.stream.xlsx.WorkbookStreamWriterOptions> & { created?: Date }) => ExcelJS.stream.xlsx.WorkbookWriter & { zip: Zip; addThemes(): Promise<void> };
const FIXED_DATE = new Date(Date.UTC(2027, 0, 4, 9, 0, 0));

/**
 * exceljs's streaming writer, stamping every zip entry with one fixed date instead of the time
 * now, so the same sheets give the same bytes. The first entry (the theme) is added inside
 * exceljs's constructor, hence the hook there.
 */
class FixedDateWriter extends StreamWriter {
  override addThemes(): Promise<void> {
    const append = this.zip.append.bind(this.zip);
    this.zip.append = (source, data) => append(source, { ...data, date: FIXED_DATE });
    return super.addThemes();
  }
}

/** Write a workbook with exceljs's streaming writer: the same sheets give the same bytes. */
export async function writeWorkbook(path: string, sheets: Workbook["sheets"]): Promise<void> {
  const wb = new FixedDateWriter({ filename: path, useSharedStrings: true, created: FIXED_DATE });
  wb.creator = "RVTools";
  wb.lastModifiedBy = "RVTools";
  wb.modified = FIXED_DATE;
  for (const sheet of sheets) {
    const ws = wb.addWorksheet(sheet.name);
    for (const row of sheet.rows) ws.addRow(row).commit();
    ws.commit();
  }
  await wb.commit();
}
