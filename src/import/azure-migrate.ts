/**
 * Azure Migrate: the discovered-servers export (CSV or the portal's .xlsx) and the agentless
 * dependency-analysis export. Each file's role is told by its columns: one with
 * "Destination port" is dependency data. Connections become recorded dependencies (`order: none`)
 * between the applications that own the two servers, with the ports seen.
 */
import { firstAddress } from "./address.js";
import { allocateIds, hostId } from "./ids.js";
import { osOf } from "./mapping.js";
import { emptyProposal, type InputFile, type Proposal, type SourceContext } from "./proposal.js";
import { readTable } from "./source-file.js";
import { cell, findColumns, rowWarning, where } from "./table.js";
import { UsageError } from "../model/diagnostics.js";

const SERVERS = {
  name: { name: "Server name", aliases: ["Name", "Machine name", "Display name", "Server"], required: true },
  ip: { name: "IP address", aliases: ["IP addresses", "IPv4 address", "IPv4 addresses", "IP Address(es)"], required: true },
  os: { name: "Operating system", aliases: ["Operating system name", "OS name", "Operating system type", "OS"] },
  fqdn: { name: "FQDN", aliases: ["DNS name", "Fully qualified domain name"] },
} as const;
/** Columns this import reads, by name (exported so `ferry example --as-exports` writes the same headers). */
export const DEPENDENCIES = {
  sourceName: { name: "Source server name", required: true },
  sourceIp: { name: "Source IP" },
  sourceProcess: { name: "Source process" },
  destName: { name: "Destination server name", required: true },
  destIp: { name: "Destination IP" },
  destProcess: { name: "Destination process" },
  port: { name: "Destination port", required: true },
} as const;

const has = (headers: string[], name: string) => headers.some((h) => h.trim().toLowerCase() === name.toLowerCase());

export async function importAzureMigrate(files: readonly InputFile[], ctx: SourceContext): Promise<Proposal> {
  const p = emptyProposal("azure-migrate");
  for (const file of files) {
    const table = await readTable(file);
    if (has(table.headers, "Destination port")) {
      const c = findColumns(table, DEPENDENCIES, "An Azure Migrate dependency export");
      const pairs = new Map<string, { from: string; to: string; ports: Set<string>; line: number; fromIp: string; toIp: string }>();
      let skipped = 0;
      for (const row of table.rows) {
        const src = cell(row, c.sourceName);
        const dst = cell(row, c.destName);
        const port = cell(row, c.port);
        if (!src || !dst) {
          // A connection to or from a machine Azure Migrate did not discover (a client, the internet): not an estate dependency.
          skipped++;
          continue;
        }
        if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) {
          p.warnings.push(rowWarning(table, row, c.port, `destination port ${JSON.stringify(port)} is not a port number; row skipped`));
          continue;
        }
        const from = hostId(src);
        const to = hostId(dst);
        if (from === to) continue;
        const key = `${from}\u0000${to}`;
        const pair = pairs.get(key) ?? { from, to, ports: new Set(), line: row.line, fromIp: cell(row, c.sourceIp), toIp: cell(row, c.destIp) };
        pair.ports.add(port);
        pairs.set(key, pair);
      }
      for (const pair of pairs.values()) {
        const ports = [...pair.ports].sort((a, b) => Number(a) - Number(b));
        p.links.push({ from: { host: pair.from }, to: { host: pair.to }, detail: ports.map((x) => `tcp/${x}`), origin: `${where(table)} line ${pair.line}` });
      }
      p.read.push(`${file.name}: ${table.rows.length} connection row(s), ${pairs.size} server pair(s)${skipped ? `, ${skipped} with an undiscovered end left out` : ""}`);
      continue;
    }
    const c = findColumns(table, SERVERS, "An Azure Migrate discovered-servers export");
    if (!ctx.site) throw new UsageError(`${file.name}: Azure Migrate does not say where a server is; give the site with --site`);
    const rows = table.rows.filter((r) => cell(r, c.name));
    const ids = allocateIds(rows.map((r) => ({ key: `${cell(r, c.name)}\u0000${cell(r, c.ip)}`, slug: hostId(cell(r, c.name)) })));
    let imported = 0;
    for (const row of rows) {
      const name = cell(row, c.name);
      const address = firstAddress(cell(row, c.ip));
      if (!address) {
        p.warnings.push(rowWarning(table, row, c.ip, `server ${name} has no usable IP address (${JSON.stringify(cell(row, c.ip))}); row skipped`));
        continue;
      }
      const osText = cell(row, c.os);
      let os = osOf(ctx.rules, osText);
      if (!os) {
        os = ctx.rules.defaultOs;
        p.warnings.push(rowWarning(table, row, c.os, `server ${name}: no os rule matches ${JSON.stringify(osText)}; using ${os} (add a rule under import.os)`));
      }
      const fqdn = cell(row, c.fqdn);
      const aliases = fqdn && fqdn.toLowerCase() !== name.toLowerCase() ? [fqdn] : undefined;
      p.lists.hosts.push({
        id: ids.get(`${name}\u0000${cell(row, c.ip)}`)!,
        owned: { site: ctx.site, address, os, ...(aliases ? { aliases } : {}) },
        initial: {},
        origin: `${where(table)} line ${row.line} (server ${name})`,
        names: [name, ...(fqdn ? [fqdn] : [])],
      });
      imported++;
    }
    p.read.push(`${file.name}: ${imported} discovered server(s)`);
  }
  return p;
}
