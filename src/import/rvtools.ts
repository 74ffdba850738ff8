/**
 * RVTools (`.xlsx` export): vInfo gives the VMs, vNetwork the addresses vInfo lacks, vHost and
 * vCluster the datacentres and clusters that become sites. RVTools has no vDatacenter tab: a
 * datacentre is named in the Datacenter column of vInfo and vHost.
 */
import { firstAddress } from "./address.js";
import { allocateIds, hostId, slugId } from "./ids.js";
import { mappedSite, osOf } from "./mapping.js";
import { emptyProposal, newApplicationFields, type InputFile, type Proposal, type SourceContext } from "./proposal.js";
import { cell, findColumns, rowWarning, where, type Table } from "./table.js";
import { readSheets } from "./xlsx.js";
import { InputError } from "../model/diagnostics.js";

/** Columns this import reads, by name (exported so `ferry example --as-exports` writes the same headers). */
export const VINFO = {
  vm: { name: "VM", required: true },
  powerstate: { name: "Powerstate" },
  template: { name: "Template" },
  dnsName: { name: "DNS Name" },
  primaryIp: { name: "Primary IP Address" },
  datacenter: { name: "Datacenter", required: true },
  cluster: { name: "Cluster" },
  folder: { name: "Folder" },
  annotation: { name: "Annotation" },
  osConfig: { name: "OS according to the configuration file", aliases: ["OS"] },
  osTools: { name: "OS according to the VMware Tools" },
  uuid: { name: "VM UUID", aliases: ["VM ID", "UUID"] },
} as const;
export const VNETWORK = { vm: { name: "VM", required: true }, ipv4: { name: "IPv4 Address", aliases: ["IP Address"], required: true }, uuid: { name: "VM UUID" } } as const;
export const VHOST = { host: { name: "Host", required: true }, datacenter: { name: "Datacenter", required: true }, cluster: { name: "Cluster" } } as const;
export const VCLUSTER = { name: { name: "Name", aliases: ["Cluster"], required: true } } as const;

/** Application name of a VM by the mapping: an annotation line, or the VM's folder. */
function applicationOf(ctx: SourceContext, annotation: string, folder: string): string | undefined {
  if (ctx.rules.applicationFrom === "annotation") {
    const re = new RegExp(ctx.rules.annotationPattern, "im");
    const m = re.exec(annotation);
    return m?.[1]?.trim() || undefined;
  }
  if (ctx.rules.applicationFrom === "folder") {
    const last = folder.split(/[/\\]/).map((s) => s.trim()).filter(Boolean).pop();
    return last && !/^(vm|discovered virtual machine)$/i.test(last) ? last : undefined;
  }
  return undefined;
}

export async function importRvtools(files: readonly InputFile[], ctx: SourceContext): Promise<Proposal> {
  const p = emptyProposal("rvtools");
  const siteIds = new Map<string, string>();
  const siteOf = (name: string): string => {
    let id = siteIds.get(name.toLowerCase());
    if (!id) {
      id = mappedSite(ctx.rules, name) ?? slugId(name);
      siteIds.set(name.toLowerCase(), id);
      p.lists.sites.push({ id, owned: { name }, initial: { kind: ctx.rules.siteKind, ...(ctx.organisation ? { organisation: ctx.organisation } : {}) }, origin: `RVTools ${ctx.rules.siteFrom} "${name}"` });
    }
    return id;
  };

  for (const file of files) {
    const sheets = await readSheets(file.path, ["vInfo", "vNetwork", "vHost", "vCluster"], file.name);
    const vInfo = sheets.get("vInfo");
    if (!vInfo) {
      throw new InputError([{ file: file.name, line: 1, column: 1, code: "import-missing-column", severity: "error", message: `no vInfo sheet: is this an RVTools export? (sheets read: ${[...sheets.keys()].join(", ") || "none"})` }]);
    }
    const info = findColumns(vInfo, VINFO, "RVTools vInfo");

    // Sites first from the host inventory, so a datacentre or cluster without VMs still appears.
    const vHost = sheets.get("vHost");
    if (vHost && ctx.rules.siteFrom === "datacenter") {
      const c = findColumns(vHost, VHOST, "RVTools vHost");
      for (const row of vHost.rows) if (cell(row, c.datacenter)) siteOf(cell(row, c.datacenter));
    }
    const vCluster = sheets.get("vCluster");
    if (vCluster && ctx.rules.siteFrom === "cluster") {
      const c = findColumns(vCluster, VCLUSTER, "RVTools vCluster");
      for (const row of vCluster.rows) if (cell(row, c.name)) siteOf(cell(row, c.name));
    }

    // Addresses from vNetwork, for VMs whose Primary IP Address is empty (no VMware Tools, or IPv6 first).
    const nicAddress = new Map<string, string>();
    const vNetwork = sheets.get("vNetwork");
    if (vNetwork) {
      const c = findColumns(vNetwork, VNETWORK, "RVTools vNetwork");
      for (const row of vNetwork.rows) {
        const address = firstAddress(cell(row, c.ipv4));
        const key = cell(row, c.uuid) || cell(row, c.vm);
        if (address && key && !nicAddress.has(key)) nicAddress.set(key, address);
      }
    }

    const vms: { key: string; slug: string; row: (typeof vInfo.rows)[number] }[] = [];
    let templates = 0;
    for (const row of vInfo.rows) {
      const vm = cell(row, info.vm);
      if (!vm) {
        p.warnings.push(rowWarning(vInfo, row, info.vm, "the VM column is empty; row skipped"));
        continue;
      }
      if (/^true$/i.test(cell(row, info.template))) {
        templates++;
        continue;
      }
      vms.push({ key: cell(row, info.uuid) || `${cell(row, info.datacenter)}/${vm}`, slug: hostId(vm), row });
    }
    const ids = allocateIds(vms);
    const apps = new Map<string, { name: string; hosts: string[]; rows: number[] }>();
    let imported = 0;
    for (const { key, row } of vms) {
      const vm = cell(row, info.vm);
      const address = firstAddress(cell(row, info.primaryIp)) ?? nicAddress.get(cell(row, info.uuid)) ?? nicAddress.get(vm);
      if (!address) {
        p.warnings.push(rowWarning(vInfo, row, info.primaryIp, `VM ${vm} has no IP address (Primary IP Address is empty and vNetwork has none: VMware Tools not running?); row skipped`));
        continue;
      }
      const placeName = ctx.rules.siteFrom === "cluster" ? cell(row, info.cluster) || cell(row, info.datacenter) : cell(row, info.datacenter);
      const site = placeName ? siteOf(placeName) : ctx.site;
      if (!site) {
        p.warnings.push(rowWarning(vInfo, row, info.datacenter, `VM ${vm} has no Datacenter and no --site was given; row skipped`));
        continue;
      }
      const osText = cell(row, info.osConfig) || cell(row, info.osTools);
      let os = osOf(ctx.rules, osText);
      if (!os) {
        os = ctx.rules.defaultOs;
        p.warnings.push(rowWarning(vInfo, row, info.osConfig, `VM ${vm}: no os rule matches ${JSON.stringify(osText)}; using ${os} (add a rule under import.os)`));
      }
      const id = ids.get(key)!;
      const dns = cell(row, info.dnsName);
      const aliases = dns && dns.toLowerCase() !== vm.toLowerCase() ? [dns] : undefined;
      p.lists.hosts.push({
        id,
        owned: { site, address, os, ...(aliases ? { aliases } : {}) },
        initial: {},
        origin: `${where(vInfo)} row ${row.line} (VM ${vm})`,
        names: [vm, ...(dns ? [dns] : [])],
      });
      imported++;
      const appName = applicationOf(ctx, cell(row, info.annotation), cell(row, info.folder));
      if (appName) {
        const appId = slugId(appName);
        const app = apps.get(appId) ?? { name: appName, hosts: [], rows: [] };
        app.hosts.push(id);
        app.rows.push(row.line);
        apps.set(appId, app);
      }
    }
    for (const [id, app] of apps) {
      p.lists.applications.push({
        id,
        owned: { name: app.name, hosts: [...app.hosts].sort() },
        initial: { ...newApplicationFields(ctx), delivery: "server" },
        origin: `${where(vInfo)} row${app.rows.length > 1 ? "s" : ""} ${app.rows.slice(0, 5).join(", ")}${app.rows.length > 5 ? ", …" : ""} (${ctx.rules.applicationFrom})`,
      });
    }
    p.read.push(`${file.name}: ${imported} VM(s) from vInfo (${vInfo.rows.length} rows, ${templates} template(s) left out), ${apps.size} application(s) by ${ctx.rules.applicationFrom}${vNetwork ? "" : "; no vNetwork sheet"}`);
  }
  return p;
}

export type { Table };
