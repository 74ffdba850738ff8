/**
 * `ferry timings [--runbook R] [--json]`: per runbook step, what it actually took in rehearsals
 * and real runs (count, median, P90), against its estimate. The figures come from
 * runs/timings.ts; this file only lays them out.
 */
import { printable } from "../model/printable.js";
import { timingsReport, type DurationSummary, type StepTimings, type TimingsReport } from "../runs/timings.js";
import { durationText, driftText } from "./common/duration-text.js";
import { runsContext, type StateFlags } from "./common/flags.js";

export interface TimingsFlags extends StateFlags {
  runbook?: string;
  json?: boolean;
}

/** `ferry timings`. */
export async function timingsCommand(flags: TimingsFlags): Promise<number> {
  const report = await timingsReport(runsContext(flags), flags.runbook !== undefined ? { runbook: flags.runbook } : {});
  process.stdout.write(flags.json ? JSON.stringify(report) + "\n" : printable(timingsText(report)));
  return 0;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const countAndMedian = (s: DurationSummary | undefined) => (s ? `${s.count} × ${durationText(s.p50Ms)}` : "-");

function estimateText(t: StepTimings): string {
  if (!t.estimate) return "-";
  const e = t.estimate;
  return `${e.varies ? "~" : ""}${durationText(e.p50Ms)}${e.source === "default" ? " (default)" : ""}`;
}

/** The report as a table per runbook, with what planning does with each step's figures. */
export function timingsText(report: TimingsReport): string {
  const lines: string[] = [];
  if (report.steps.length === 0) {
    lines.push("no step durations measured yet: run a wave (or rehearse it with `ferry run --rehearsal`) first");
  }
  const runbooks = [...new Set(report.steps.map((s) => s.runbook))];
  for (const runbook of runbooks) {
    const rows = report.steps.filter((s) => s.runbook === runbook);
    const header = ["STEP", "KIND", "N", "REHEARSALS", "REAL RUNS", "MEDIAN", "P90", "ESTIMATE", "DRIFT", "PLAN USES"];
    const table = rows.map((t) => [
      t.kind === "rollback" ? `${t.step} (undo)` : t.step,
      t.kind,
      String(t.all.count),
      countAndMedian(t.rehearsals),
      countAndMedian(t.real),
      durationText(t.all.p50Ms),
      durationText(t.all.p90Ms),
      estimateText(t),
      t.drift === undefined ? "-" : driftText(t.drift),
      t.replacesEstimate ? "actuals" : "estimate",
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const row = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")}`;
    if (lines.length > 0) lines.push("");
    lines.push(`runbook ${runbook}${report.unknownRunbooks.includes(runbook) ? " (no longer in runbooks/: no estimates)" : ""}`, row(header), ...table.map(row));
  }
  if (report.steps.length > 0) {
    lines.push(
      "",
      `measured in ${plural(report.runs.rehearsals, "rehearsal")} and ${plural(report.runs.real, "real run")}; ` +
        `planning uses a step's actuals once it has ${report.minActuals} (N), unless an application's own or per-GB estimate applies; "~" marks estimates that differ by application`,
    );
  }
  for (const u of report.unreadable) lines.push(`warning: run ${u.runId} not measured [${u.code}]: ${u.message}${u.hint ? `\n  ${u.hint}` : ""}`);
  return lines.join("\n") + "\n";
}
