/**
 * ServiceNow CMDB list exports (CSV, or .xlsx): `cmdb_ci_server` (or a subclass such as
 * `cmdb_ci_win_server`) for servers, `cmdb_ci_appl` for applications, `cmdb_rel_ci` for
 * relationships. A file's role is told by its columns: parent/type/child is relationships, one
 * with an IP address is servers, the rest applications. Column names or labels both work (a CSV
 * export has `ip_address`, an Excel one "IP Address").
 */
import { firstAddress } from "./address.js";
import { allocateIds, hostId, slugId } from "./ids.js";
import { mappedSite, osOf } from "./mapping.js";
import { emptyProposal, newApplicationFields, type InputFile, type Proposal, type SourceContext } from "./proposal.js";
import { readTable } from "./source-file.js";
import { cell, findColumns, rowWarning, where } from "./table.js";

const SERVERS = {
  name: { name: "name", aliases: ["Name"], required: true },
  ip: { name: "ip_address", aliases: ["IP Address"], required: true },
  os: { name: "os", aliases: ["Operating System", "OS"] },
  osVersion: { name: "os_version", aliases: ["OS Version"] },
  fqdn: { name: "fqdn", aliases: ["Fully qualified domain name", "FQDN"] },
  location: { name: "location", aliases: ["Location"] },
  status: { name: "install_status", aliases: ["Status", "Install Status"] },
} as const;
/** Columns this import reads, by name (exported so `ferry example --as-exports` writes the same headers). */
export const APPS = {
  name: { name: "name", aliases: ["Name"], required: true },
  owner: { name: "owned_by", aliases: ["Owned by", "managed_by", "Managed by", "support_group", "Support group"] },
  status: { name: "install_status", aliases: ["Status", "Install Status"] },
} as const;
export const RELS = {
  parent: { name: "parent", aliases: ["Parent"], required: true },
  type: { name: "type", aliases: ["Type"], required: true },
  child: { name: "child", aliases: ["Child"], required: true },
} as const;

const headerSet = (headers: string[]) => new Set(headers.map((h) => h.trim().toLowerCase()));
const RETIRED = /^(retired|7|absent|8|disposed)$/i;

export async function importServicenow(files: readonly InputFile[], ctx: SourceContext): Promise<Proposal> {
  const p = emptyProposal("servicenow");
  const tables = await Promise.all(files.map(async (f) => ({ file: f, table: await readTable(f) })));
  const rels = tables.filter((t) => ["parent", "child", "type"].every((h) => headerSet(t.table.headers).has(h)));
  const servers = tables.filter((t) => !rels.includes(t) && (headerSet(t.table.headers).has("ip_address") || headerSet(t.table.headers).has("ip address")));
  const appls = tables.filter((t) => !rels.includes(t) && !servers.includes(t));

  const serverIdByName = new Map<string, string>();
  const appIdByName = new Map<string, string>();
  const siteIds = new Map<string, string>();
  for (const { file, table } of servers) {
    const c = findColumns(table, SERVERS, "A ServiceNow cmdb_ci_server export");
    const rows = table.rows.filter((r) => cell(r, c.name) && !RETIRED.test(cell(r, c.status)));
    const ids = allocateIds(rows.map((r) => ({ key: `${cell(r, c.name)}\u0000${cell(r, c.ip)}`, slug: hostId(cell(r, c.name)) })));
    let imported = 0;
    for (const row of rows) {
      const name = cell(row, c.name);
      const address = firstAddress(cell(row, c.ip));
      if (!address) {
        p.warnings.push(rowWarning(table, row, c.ip, `server ${name} has no usable IP address (${JSON.stringify(cell(row, c.ip))}); row skipped`));
        continue;
      }
      const location = cell(row, c.location);
      let site = ctx.site;
      if (location) {
        site = siteIds.get(location.toLowerCase());
        if (!site) {
          site = mappedSite(ctx.rules, location) ?? slugId(location);
          siteIds.set(location.toLowerCase(), site);
          p.lists.sites.push({ id: site, owned: { name: location }, initial: { kind: ctx.rules.siteKind, ...(ctx.organisation ? { organisation: ctx.organisation } : {}) }, origin: `ServiceNow location "${location}"` });
        }
      }
      if (!site) {
        p.warnings.push(rowWarning(table, row, c.location, `server ${name} has no location and no --site was given; row skipped`));
        continue;
      }
      const osText = [cell(row, c.os), cell(row, c.osVersion)].filter(Boolean).join(" ");
      let os = osOf(ctx.rules, osText);
      if (!os) {
        os = ctx.rules.defaultOs;
        p.warnings.push(rowWarning(table, row, c.os, `server ${name}: no os rule matches ${JSON.stringify(osText)}; using ${os} (add a rule under import.os)`));
      }
      const id = ids.get(`${name}\u0000${cell(row, c.ip)}`)!;
      const fqdn = cell(row, c.fqdn);
      const aliases = fqdn && fqdn.toLowerCase() !== name.toLowerCase() ? [fqdn] : undefined;
      serverIdByName.set(name.toLowerCase(), id);
      p.lists.hosts.push({ id, owned: { site, address, os, ...(aliases ? { aliases } : {}) }, initial: {}, origin: `${where(table)} line ${row.line} (${name})`, names: [name, ...(fqdn ? [fqdn] : [])] });
      imported++;
    }
    p.read.push(`${file.name}: ${imported} server(s)`);
  }

  const appEntries = new Map<string, (typeof p.lists.applications)[number]>();
  for (const { file, table } of appls) {
    const c = findColumns(table, APPS, "A ServiceNow cmdb_ci_appl export");
    const rows = table.rows.filter((r) => cell(r, c.name) && !RETIRED.test(cell(r, c.status)));
    const ids = allocateIds(rows.map((r) => ({ key: cell(r, c.name), slug: slugId(cell(r, c.name)) })));
    for (const row of rows) {
      const name = cell(row, c.name);
      const id = ids.get(name)!;
      appIdByName.set(name.toLowerCase(), id);
      const owner = cell(row, c.owner);
      const entry = { id, owned: { name, hosts: [] as string[] }, initial: { ...newApplicationFields(ctx), ...(owner ? { owner } : {}), delivery: "server" }, origin: `${where(table)} line ${row.line} (${name})` };
      appEntries.set(id, entry);
      p.lists.applications.push(entry);
    }
    p.read.push(`${file.name}: ${rows.length} application(s)`);
  }

  for (const { file, table } of rels) {
    const c = findColumns(table, RELS, "A ServiceNow cmdb_rel_ci export");
    let used = 0;
    for (const row of table.rows) {
      const type = cell(row, c.type);
      const parent = cell(row, c.parent);
      const child = cell(row, c.child);
      const endOf = (name: string): { app: string } | { host: string } | undefined => {
        const app = appIdByName.get(name.toLowerCase());
        if (app) return { app };
        const host = serverIdByName.get(name.toLowerCase());
        return host ? { host } : { host: hostId(name) };
      };
      if (/^(runs on|hosted on)::/i.test(type)) {
        const app = appEntries.get(appIdByName.get(parent.toLowerCase()) ?? "");
        if (!app) {
          p.warnings.push(rowWarning(table, row, c.parent, `"${type}": parent ${JSON.stringify(parent)} is not an application in the cmdb_ci_appl export; row skipped`));
          continue;
        }
        const host = serverIdByName.get(child.toLowerCase()) ?? hostId(child);
        const hosts = app.owned.hosts as string[];
        if (!hosts.includes(host)) hosts.push(host);
        hosts.sort();
        used++;
      } else if (/^depends on::/i.test(type)) {
        const from = endOf(parent);
        const to = endOf(child);
        if (!from || !to) continue;
        p.links.push({ from, to, detail: [type], origin: `${where(table)} line ${row.line}` });
        used++;
      }
      // Other relationship types (Contains, Members of, Connected by…) carry no migration order.
    }
    p.read.push(`${file.name}: ${used} of ${table.rows.length} relationship(s) used (Depends on::Used by, Runs on::Runs)`);
  }
  return p;
}
