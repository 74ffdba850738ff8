/**
 * What the pack shows of a wave's timing: the plan's figures (expected duration, fit, rollback
 * decision point, critical path), the schedule behind them for a Gantt chart, and the data
 * behind each estimate. The schedule is simulated again from the estate, the runbooks and the
 * actuals the plan recorded, exactly as the planner did; the headline figures are the plan's.
 */
import type { Application, Estate } from "../model/estate.js";
import type { Plan, Wave } from "../model/plan.js";
import type { EstimateSpec, Runbook } from "../model/runbook.js";
import { TimingCatalogue } from "../timing/catalogue.js";
import { formatEstimate } from "../timing/duration.js";
import { estimateFor } from "../timing/estimate.js";
import type { StepActuals } from "../timing/types.js";
import { estateIndex } from "./estate-index.js";
import { simulateWave, type TimedApplication, type WaveTiming } from "../timing/wave-timing.js";

/** Rows a wave's Gantt chart draws at most; a bigger wave shows its critical path and its longest applications. */
export const GANTT_ROWS = 30;

export interface GanttBar {
  id: string;
  kind: "precheck" | "step" | "verify";
  /** ms from the window's start, at P90. */
  start: number;
  end: number;
  critical: boolean;
}

export interface GanttRow {
  id: string;
  start: number;
  end: number;
  critical: boolean;
  bars: GanttBar[];
}

/** One runbook entry's estimate as the board reads it. */
export interface EstimateRow {
  runbook: string;
  step: string;
  kind: "precheck" | "step" | "verify";
  source: "estimate" | "default" | "actuals";
  /** The figure in words: `P50 20m, P90 45m`, with a per-GB part or the measurement count. */
  figure: string;
  /** Applications of the wave with their own estimate of this entry. */
  own: string[];
}

export interface PackTiming {
  /** The plan's figures. */
  planned: WaveTiming;
  /** The schedule's rows (all, or the critical path and the longest when the wave is big). */
  rows: GanttRow[];
  applications: number;
  /** The simulated P90 end, ms from the window's start (equals the plan's unless inputs changed since). */
  p90Ms: number;
  estimates: EstimateRow[];
}

const words = (ms: number) => formatEstimate(ms);

function specWords(spec: EstimateSpec): string {
  if (typeof spec === "string") return `P50 ${spec}, P90 ${words(1.5 * estimateMs(spec))}`;
  const parts: string[] = [];
  if (spec.p50 !== undefined) parts.push(`P50 ${spec.p50}${spec.p90 !== undefined ? `, P90 ${spec.p90}` : `, P90 ${words(1.5 * estimateMs(spec.p50))}`}`);
  if (spec.perGb !== undefined) parts.push(typeof spec.perGb === "string" ? `${spec.perGb} per GB (P90 ${words(1.5 * estimateMs(spec.perGb))})` : `${spec.perGb.p50} per GB (P90 ${spec.perGb.p90})`);
  return parts.join(" + ");
}

function estimateMs(text: string): number {
  let total = 0;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
  for (const m of text.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(m[1]) * unit[m[2]!]!;
  return total;
}

/**
 * The timing of each wave for the pack, as a function of the wave and its applications as the
 * estate has them (in the wave's order); undefined for a wave the plan has no timing for. The
 * runbooks' timing catalogue is made once for every wave (a 100k plan has dozens).
 */
export function packTimings(
  plan: Pick<Plan, "timing">,
  estate: Estate | undefined,
  runbooks: ReadonlyMap<string, { runbook: Runbook }> | undefined,
): (wave: Wave, inEstate: readonly (Application | undefined)[]) => PackTiming | undefined {
  const actuals: StepActuals = new Map(Object.entries(plan.timing?.actuals ?? {}));
  let catalogue: TimingCatalogue | undefined;
  return (wave, inEstate) => {
    const planned = wave.timing as WaveTiming | undefined;
    if (!planned) return undefined;
    // Without the estate and runbooks there is nothing to draw: the plan's figures alone.
    if (!estate || !runbooks) return { planned, rows: [], applications: wave.applications.length, p90Ms: planned.p90Ms, estimates: [] };
    catalogue ??= new TimingCatalogue(runbooks, estate.datasets, actuals);
    return drawnTiming(plan, wave, planned, { estate, runbooks, catalogue, actuals }, inEstate);
  };
}

/** One wave's schedule, drawn again from the estate, runbooks and the plan's recorded actuals. */
function drawnTiming(
  plan: Pick<Plan, "timing">,
  wave: Wave,
  planned: WaveTiming,
  inputs: { estate: Estate; runbooks: ReadonlyMap<string, { runbook: Runbook }>; catalogue: TimingCatalogue; actuals: StepActuals },
  inEstate: readonly (Application | undefined)[],
): PackTiming {
  const { runbooks, catalogue, actuals } = inputs;
  const estimates: EstimateRow[] = [];
  const { hostById } = estateIndex(inputs.estate);
  const timed: TimedApplication[] = [];
  // Each runbook's applications (those in the estate), in the wave's order, for the data behind each estimate.
  const membersOf = new Map<string, Application[]>();
  for (let i = 0; i < wave.applications.length; i++) {
    const a = wave.applications[i]!;
    let members = membersOf.get(a.runbook);
    if (!members) membersOf.set(a.runbook, (members = []));
    const app = inEstate[i];
    if (!app) continue;
    members.push(app);
    const timing = catalogue.of({ app, runbook: a.runbook });
    if (timing) timed.push({ id: a.id, site: app.hosts[0] ? hostById.get(app.hosts[0])?.site : undefined, hosts: app.hosts, timing });
  }
  const limits = plan.timing?.limits ?? { concurrency: 10 };
  const sim = simulateWave(timed, limits, wave.window);
  const onChain = new Set(sim.chain);
  let chosen = timed.map((_, i) => i);
  if (chosen.length > GANTT_ROWS) {
    // A big wave's critical path can run to hundreds of applications: draw its last rows, those
    // that end the wave against the window's end (the text names how many came before).
    const keep = new Set<number>(sim.chain.slice(-GANTT_ROWS));
    const byEnd = chosen.filter((i) => !keep.has(i)).sort((x, y) => sim.p90.start[y]! + sim.p90.durations[y]! - (sim.p90.start[x]! + sim.p90.durations[x]!) || x - y);
    for (const i of byEnd) {
      if (keep.size >= GANTT_ROWS) break;
      keep.add(i);
    }
    chosen = [...keep].sort((x, y) => x - y);
  }
  const rows: GanttRow[] = chosen.map((i) => {
    const start = sim.p90.start[i]!;
    const profile = sim.p90.profile(i);
    const path = onChain.has(i) ? new Set(profile.critical) : undefined;
    return {
      id: timed[i]!.id,
      start,
      end: start + profile.durationMs,
      critical: path !== undefined,
      bars: profile.entries.map((e) => ({ id: e.id, kind: e.kind, start: start + e.start, end: start + e.end, critical: path?.has(e.id) ?? false })),
    };
  });

  // The data behind each estimate: per runbook entry of the wave's runbooks.
  for (const name of [...membersOf.keys()].sort()) {
    const runbook = runbooks.get(name)?.runbook;
    if (!runbook) continue;
    const members = membersOf.get(name)!;
    const entries: { id: string; kind: EstimateRow["kind"]; spec: EstimateSpec | undefined }[] = [
      ...runbook.precheck.map((e) => ({ id: e.id, kind: "precheck" as const, spec: e.estimate })),
      ...runbook.steps.map((e) => ({ id: e.id, kind: "step" as const, spec: e.estimate })),
      ...runbook.verify.map((e) => ({ id: e.id, kind: "verify" as const, spec: e.estimate })),
    ];
    for (const e of entries) {
      const est = estimateFor({ runbook, step: e.id, actuals });
      const own = members.filter((a) => a.estimates?.[e.id] !== undefined).map((a) => a.id);
      const figure =
        est.source === "actuals"
          ? `P50 ${words(est.p50Ms)}, P90 ${words(est.p90Ms)} measured in ${est.count} runs (${actualsWords(plan, name, e.id)})`
          : est.source === "default"
            ? `not estimated: the default, P50 ${words(est.p50Ms)}, P90 ${words(est.p90Ms)}`
            : e.spec !== undefined
              ? specWords(e.spec)
              : `P50 ${words(est.p50Ms)}, P90 ${words(est.p90Ms)} (its wait)`;
      estimates.push({ runbook: name, step: e.id, kind: e.kind, source: est.source, figure, own });
    }
  }
  return { planned, rows, applications: wave.applications.length, p90Ms: sim.timing.p90Ms, estimates };
}

function actualsWords(plan: Pick<Plan, "timing">, runbook: string, step: string): string {
  const t = plan.timing?.actuals?.[`${runbook}/${step}`];
  if (!t) return "";
  return `${t.rehearsals} rehearsal${t.rehearsals === 1 ? "" : "s"}, ${t.real} real`;
}

/** `HH:MM` of an ISO time in its own offset, with the date when it is not `date`. */
function clock(iso: string, date: string): string {
  return iso.slice(0, 10) === date ? iso.slice(11, 16) : `${iso.slice(11, 16)} on ${iso.slice(0, 10)}`;
}

/** The board's sentences about a wave's timing: duration against the window, the decision point, the critical path, where the figures come from. */
export function timingSentences(t: PackTiming, wave: { date: string; window: { start: string; end: string } }): { fit: string; rollback: string; path: string; sources: string } {
  const p = t.planned;
  const fit =
    `Expected duration ${words(p.p50Ms)} (P50), ${words(p.p90Ms)} (P90) against a ${words(p.windowMs)} window ending ${clock(p.windowEndsAt, wave.date)}: ` +
    (p.fits ? `fits at P90, ending by ${clock(p.endsAtP90, wave.date)}.` : `does not fit: at P90 it ends ${clock(p.endsAtP90, wave.date)}, ${words(p.p90Ms - p.windowMs)} after the window.`);
  const rollback =
    Date.parse(p.rollbackDecisionAt) >= Date.parse(wave.window.start)
      ? `Start rolling back by ${clock(p.rollbackDecisionAt, wave.date)} at the latest: undoing every application, one at a time, takes ${words(p.rollbackP90Ms)} at P90.`
      : `Undoing every application, one at a time, takes ${words(p.rollbackP90Ms)} at P90: longer than the window, so a full rollback cannot finish inside it (it would have to start by ${clock(p.rollbackDecisionAt, wave.date)}).`;
  // The path's end is what the board acts on: its last applications, and how many came before them.
  const shown = p.criticalPath.slice(-4);
  const before = (p.criticalPathLength ?? p.criticalPath.length) - shown.length;
  const path = `Critical path: ${before > 0 ? `${before} application${before === 1 ? "" : "s"} one after another, then ` : ""}${shown.map((c) => `${c.application} (${c.steps.join(" → ")})`).join(", then ")}.`;
  const e = p.estimates;
  const sources = `Figures: ${e.estimate} entries from estimates, ${e.actuals} from measured runs, ${e.default} not estimated (the default applies).`;
  return { fit, rollback, path, sources };
}

/** The timing in one clause, for the wave's first paragraph: fit at P90 and the rollback decision point. */
export function timingClause(t: PackTiming, wave: { date: string; window: { start: string } }): string {
  const p = t.planned;
  const rollback = Date.parse(p.rollbackDecisionAt) >= Date.parse(wave.window.start) ? `start rollback by ${clock(p.rollbackDecisionAt, wave.date)}` : `a full rollback (${words(p.rollbackP90Ms)}) cannot finish inside the window`;
  return `${p.fits ? "Fits its window" : "Overruns its window"} at P90 (${words(p.p90Ms)} of ${words(p.windowMs)}); ${rollback}.`;
}
