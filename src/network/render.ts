import type { AddressPlanReport, ReipRow } from "./analyse.js";

/** Left-aligned columns separated by two spaces, each as wide as its widest cell. */
function table(header: string[], rows: string[][], indent = "  "): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ");
  return [line(header), ...rows.map(line)];
}

/** Thousands separators for a decimal string of any size. */
function grouped(n: string): string {
  return n.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** Header columns of the mapping CSV: the `reip-subnet` runbook's inputs plus where they come from. */
export const MAPPING_COLUMNS = ["network", "site", "legacyPrefix", "newPrefix", "host"] as const;

function csvCell(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The re-IP mapping as CSV (RFC 4180, header row, LF line ends). */
export function mappingCsv(rows: readonly ReipRow[]): string {
  return [MAPPING_COLUMNS.join(","), ...rows.map((r) => MAPPING_COLUMNS.map((c) => csvCell(r[c])).join(","))].join("\n") + "\n";
}

/** The report for people: legacy overlaps, collisions, mapping, other findings, utilisation. */
export function renderAddressPlan(report: AddressPlanReport, title: string): string {
  const out: string[] = [`${title}: supernet ${report.supernet}, ${report.legacyNetworks} legacy networks`, ""];

  out.push(`Overlaps between legacy networks at different sites: ${report.legacyOverlaps.length}`);
  if (report.legacyOverlaps.length > 0) {
    out.push(
      ...table(
        ["SITE", "NETWORK", "PREFIX", "", "SITE", "NETWORK", "PREFIX"],
        report.legacyOverlaps.map((o) => [o.a.site, o.a.network, o.a.prefix, "overlaps", o.b.site, o.b.network, o.b.prefix]),
      ),
    );
  }
  out.push("");

  out.push(`Legacy networks colliding with the target plan: ${report.targetCollisions.length}`);
  if (report.targetCollisions.length > 0) {
    out.push(...table(["SITE", "NETWORK", "LEGACY PREFIX", "COLLIDES WITH", "TARGET PREFIX"], report.targetCollisions.map((c) => [c.site, c.network, c.legacyPrefix, c.target, c.targetPrefix])));
  }
  out.push("");

  out.push(`Re-IP mapping (inputs of the reip-subnet runbook): ${report.mapping.length}`);
  if (report.mapping.length > 0) {
    out.push(...table(["SITE", "NETWORK", "LEGACY PREFIX", "NEW PREFIX", "HOST"], report.mapping.map((m) => [m.site, m.network, m.legacyPrefix, m.newPrefix, m.host || "-"])));
  }
  out.push("");

  const others = report.findings.filter((f) => f.code !== "network-overlap" && f.code !== "target-collision");
  if (others.length > 0) {
    out.push(`Other findings: ${others.length}`);
    for (const f of others) out.push(`  ${f.severity.padEnd(7)} ${f.message} [${f.code}]`);
    out.push("");
  }

  const u = report.utilisation;
  out.push(`Supernet utilisation: ${u.percent}% of ${u.supernet} allocated (${grouped(u.allocated)} of ${grouped(u.addresses)} addresses)`);
  out.push(...table(["BLOCK", "PREFIX", "ADDRESSES", "USED", "USE"], u.blocks.map((b) => [b.name, b.prefix, grouped(b.addresses), grouped(b.used), `${b.percent}%`])));
  out.push("");

  const errors = report.findings.filter((f) => f.severity === "error").length;
  const warnings = report.findings.filter((f) => f.severity === "warning").length;
  out.push(report.conflicts ? `Conflicts found: ${errors} error(s), ${warnings} warning(s).` : `Clean: no conflicts${warnings ? `, ${warnings} warning(s)` : ""}.`);
  return out.join("\n") + "\n";
}
