/**
 * NetBox prefixes (IPAM → Prefixes → Export, CSV): each active or reserved prefix at a site
 * becomes a network. The site comes from the Site column (NetBox ≤ 4.1) or the Scope column
 * (4.2+); a prefix without one is placed by its VRF through the mapping's `sites`, else --site.
 */
import { checkPrefix } from "../model/common.js";
import { allocateIds, slugId } from "./ids.js";
import { mappedSite } from "./mapping.js";
import { emptyProposal, type InputFile, type Proposal, type SourceContext } from "./proposal.js";
import { readTable } from "./source-file.js";
import { cell, findColumns, rowWarning, where } from "./table.js";

/** Columns this import reads, by name (exported so `ferry example --as-exports` writes the same headers). */
export const PREFIXES = {
  prefix: { name: "Prefix", required: true },
  status: { name: "Status" },
  vrf: { name: "VRF" },
  site: { name: "Site", aliases: ["Scope"] },
  vlan: { name: "VLAN", aliases: ["vlan_vid", "VLAN ID"] },
  role: { name: "Role" },
  description: { name: "Description" },
} as const;

/** VID from NetBox's VLAN text: `Servers (110)` or `110`. */
function vidOf(text: string): number | undefined {
  const m = /\((\d{1,4})\)\s*$/.exec(text) ?? /^(\d{1,4})$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  return n >= 1 && n <= 4094 ? n : undefined;
}

export async function importNetbox(files: readonly InputFile[], ctx: SourceContext): Promise<Proposal> {
  const p = emptyProposal("netbox");
  const sites = new Map<string, string>();
  for (const file of files) {
    const table = await readTable(file);
    const c = findColumns(table, PREFIXES, "A NetBox prefixes export");
    const chosen: { row: (typeof table.rows)[number]; site: string; prefix: string }[] = [];
    let left = 0;
    for (const row of table.rows) {
      const status = cell(row, c.status).toLowerCase();
      if (status === "container" || status === "deprecated") {
        left++;
        continue;
      }
      const prefix = cell(row, c.prefix);
      const problem = checkPrefix(prefix);
      if (problem) {
        p.warnings.push(rowWarning(table, row, c.prefix, `prefix ${JSON.stringify(prefix)} ${problem}; row skipped`));
        continue;
      }
      const siteName = cell(row, c.site);
      const vrf = cell(row, c.vrf);
      let site = siteName ? sites.get(siteName.toLowerCase()) : undefined;
      if (siteName && !site) {
        site = mappedSite(ctx.rules, siteName) ?? slugId(siteName);
        sites.set(siteName.toLowerCase(), site);
        p.lists.sites.push({ id: site, owned: { name: siteName }, initial: { kind: ctx.rules.siteKind, ...(ctx.organisation ? { organisation: ctx.organisation } : {}) }, origin: `NetBox site "${siteName}"` });
      }
      site ??= (vrf ? mappedSite(ctx.rules, vrf) : undefined) ?? ctx.site;
      if (!site) {
        p.warnings.push(rowWarning(table, row, c.site, `prefix ${prefix} has no site, its VRF ${JSON.stringify(vrf || "global")} is not in import.sites, and no --site was given; row skipped`));
        continue;
      }
      chosen.push({ row, site, prefix });
    }
    const slug = (x: (typeof chosen)[number]) => slugId(`${x.site}-${cell(x.row, c.vrf) ? `${cell(x.row, c.vrf)}-` : ""}${x.prefix}`);
    const ids = allocateIds(chosen.map((x) => ({ key: `${cell(x.row, c.vrf)}\u0000${x.prefix}`, slug: slug(x) })));
    for (const x of chosen) {
      const vlan = vidOf(cell(x.row, c.vlan));
      const purpose = cell(x.row, c.description) || cell(x.row, c.role) || cell(x.row, c.vlan).replace(/\s*\(\d+\)\s*$/, "");
      p.lists.networks.push({
        id: ids.get(`${cell(x.row, c.vrf)}\u0000${x.prefix}`)!,
        owned: { site: x.site, prefix: x.prefix, ...(vlan ? { vlan } : {}), ...(purpose ? { purpose } : {}) },
        initial: {},
        origin: `${where(table)} line ${x.row.line} (${x.prefix}${cell(x.row, c.vrf) ? ` in VRF ${cell(x.row, c.vrf)}` : ""})`,
      });
    }
    p.read.push(`${file.name}: ${chosen.length} prefix(es)${left ? `, ${left} container or deprecated left out` : ""}`);
  }
  return p;
}
