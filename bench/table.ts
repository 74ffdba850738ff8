/** One benchmark's result, printed by bench/run.ts as a Markdown table. */
export interface BenchTable {
  title: string;
  columns: string[];
  rows: (string | number)[][];
  /** Peer, method and machine notes printed under the table. */
  notes?: string[];
}

export function renderTable(t: BenchTable): string {
  const cells = [t.columns, ...t.rows.map((r) => r.map(String))];
  const widths = t.columns.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    `### ${t.title}`,
    "",
    line(t.columns),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...t.rows.map((r) => line(r.map(String))),
    ...(t.notes?.length ? ["", ...t.notes.map((n) => `- ${n}`)] : []),
    "",
  ].join("\n");
}

/** Median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
