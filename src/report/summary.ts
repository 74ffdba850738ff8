import type { Plan, Wave } from "../model/plan.js";
import { formatEstimate } from "../timing/duration.js";

/** One row of the wave summary table. */
export interface WaveRow {
  wave: number;
  date: string;
  applications: number;
  effort: number;
  users: number;
  /** Warnings that name at least one of the wave's applications. */
  warnings: number;
  /** The wave's expected duration at P90 and its window, ms; absent on a plan made without timing. */
  p90Ms?: number;
  windowMs?: number;
  fits?: boolean;
  /** The rollback decision point as the window's local time (`HH:MM`, with the date when it is another day). */
  rollbackBy?: string;
}

/** `HH:MM` of an ISO time in its own offset, with `MM-DD` in front when it is not on `date`. */
function localTime(iso: string, date: string): string {
  return iso.slice(0, 10) === date ? iso.slice(11, 16) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
}

function timingOf(w: Wave): Partial<WaveRow> {
  const t = w.timing;
  return t ? { p90Ms: t.p90Ms, windowMs: t.windowMs, fits: t.fits, rollbackBy: localTime(t.rollbackDecisionAt, w.date) } : {};
}

/** Per wave: date, applications, effort, users and how many warnings concern it. */
export function waveSummaryRows(plan: Pick<Plan, "waves" | "warnings">): WaveRow[] {
  const waveOf = new Map<string, number>();
  for (const w of plan.waves) for (const a of w.applications) waveOf.set(a.id, w.number);
  const warnings = new Map<number, number>();
  for (const x of plan.warnings) {
    for (const n of new Set((x.applications ?? []).map((id) => waveOf.get(id)).filter((n) => n !== undefined))) warnings.set(n, (warnings.get(n) ?? 0) + 1);
  }
  return plan.waves.map((w) => ({ wave: w.number, date: w.date, applications: w.applications.length, effort: w.load.effort, users: w.load.users, warnings: warnings.get(w.number) ?? 0, ...timingOf(w) }));
}

/**
 * The wave summary as an aligned text table for a terminal. Long plans show the first `max`
 * waves and a line saying how many more there are.
 */
export function waveSummaryTable(plan: Pick<Plan, "waves" | "warnings">, opts: { max?: number } = {}): string {
  const max = opts.max ?? 30;
  const rows = waveSummaryRows(plan);
  const timed = rows.some((r) => r.p90Ms !== undefined);
  const timing = (r: WaveRow) => (r.p90Ms === undefined ? ["—", "—", "—"] : [`${formatEstimate(r.p90Ms)}${r.fits ? "" : " OVER"}`, formatEstimate(r.windowMs!), r.rollbackBy!]);
  const cells = [
    ["wave", "date", "applications", "effort", "users", "warnings", ...(timed ? ["P90", "window", "rollback by"] : [])],
    ...rows.slice(0, max).map((r) => [...[r.wave, r.date, r.applications, r.effort, r.users, r.warnings].map(String), ...(timed ? timing(r) : [])]),
  ];
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const lines = cells.map((c) => c.map((v, i) => (i === 1 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  "));
  if (rows.length > max) lines.push(`… and ${rows.length - max} more waves`);
  return lines.join("\n") + "\n";
}

/** A few lines a person reads after `ferry plan`: totals, warnings by code, and the wave table. */
export function planSummaryText(plan: Plan): string {
  const planned = plan.waves.reduce((n, w) => n + w.applications.length, 0);
  const byCode = new Map<string, number>();
  for (const w of plan.warnings) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
  const first = plan.waves[0]?.date;
  const last = plan.waves[plan.waves.length - 1]?.date;
  const lines = [
    `planned ${planned} application${planned === 1 ? "" : "s"} in ${plan.waves.length} wave${plan.waves.length === 1 ? "" : "s"}${first ? ` (${first} to ${last})` : ""}`,
    `unplaced: ${plan.unplaced.length}${plan.unplaced.length ? " (reasons in the plan's \"unplaced\" list and the pack)" : ""}`,
    `warnings: ${byCode.size ? [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)).map(([c, n]) => `${c} ${n}`).join(", ") : "none"}`,
    ...warningSubjects(plan),
    `hash:     ${plan.hash}`,
    ...(plan.keep ? keepLines(plan) : []),
    "",
  ];
  return lines.join("\n") + (plan.waves.length ? waveSummaryTable(plan) : "");
}

/**
 * Under the counts, each kind of warning with what it names: the applications (with their wave)
 * of the first `max` warnings, so a reader sees who is affected without opening the plan.
 */
function warningSubjects(plan: Plan, max = 8): string[] {
  const waveOf = new Map<string, number>();
  for (const w of plan.waves) for (const a of w.applications) waveOf.set(a.id, w.number);
  const byCode = new Map<string, Plan["warnings"]>();
  for (const w of plan.warnings) {
    let list = byCode.get(w.code);
    if (!list) byCode.set(w.code, (list = []));
    list.push(w);
  }
  const lines: string[] = [];
  for (const [code, list] of [...byCode].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const subjects = list.slice(0, max).map((w) => {
      const ids = [...new Set(w.applications ?? [])];
      const waves = [...new Set(ids.map((id) => waveOf.get(id)).filter((n) => n !== undefined))];
      return `${ids.join(" + ") || "(no application)"}${waves.length ? ` (wave ${waves.join(", ")})` : ids.length ? " (unplaced)" : ""}`;
    });
    lines.push(`  ${code}: ${subjects.join("; ")}${list.length > max ? `; … and ${list.length - max} more` : ""}`);
  }
  return lines;
}

/** What a re-plan kept and what moved (`ferry plan --keep`): the kept waves, then the first moves with why. */
function keepLines(plan: Plan, max = 10): string[] {
  const keep = plan.keep!;
  const kept = plan.waves.filter((w) => w.kept);
  const lines = [
    `kept:     ${kept.length ? kept.map((w) => `wave ${w.number} on ${w.date} (wave ${w.kept!.wave} of ${keep.file}, ${w.kept!.because})`).join("; ") : `nothing: no wave of ${keep.file} is approved or run`}`,
  ];
  const moved = plan.moved ?? [];
  lines.push(`moved:    ${moved.length} application${moved.length === 1 ? "" : "s"}${moved.length ? ":" : ""}`);
  for (const m of moved.slice(0, max)) {
    const at = (x: { wave: number; date: string } | null) => (x ? `wave ${x.wave} (${x.date})` : "unplaced");
    lines.push(`  ${m.application}: ${at(m.from)} → ${at(m.to)}: ${m.why}`);
  }
  if (moved.length > max) lines.push(`  … and ${moved.length - max} more (the plan's "moved" list)`);
  return lines;
}
