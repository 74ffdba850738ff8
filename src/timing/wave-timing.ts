/**
 * A wave's `timing` member of the plan (docs/formats.md, "Plan file"): its expected duration at
 * P50 and P90 under the run's limits, whether it fits its window at P90, the critical path, and
 * the rollback decision point. Pure: the planner calls it, and the pack calls it again with the
 * plan's recorded inputs to draw the same schedule.
 */
import type { EstimateSpec, Runbook } from "../model/runbook.js";
import { formatEstimate } from "./duration.js";
import { estimateFor } from "./estimate.js";
import { durationOf, profileOf, scheduleWave, shiftIso, type AppProfile, type RunLimits, type RunbookTiming, type TimedEntry } from "./simulate.js";
import type { StepActuals } from "./types.js";

/** Every estimate of one application's runbook: prechecks, steps (with their graph), verify gates, rollbacks. */
export function runbookTiming(runbook: Runbook, applicationEstimates: Readonly<Record<string, EstimateSpec>> | undefined, datasetGb: number, actuals: StepActuals | undefined): RunbookTiming {
  const at = (step: string, rollback = false): TimedEntry => ({ id: step, estimate: estimateFor({ runbook, step, rollback, applicationEstimates, datasetGb, actuals }) });
  const dag = runbook.steps.some((s) => s.needs !== undefined);
  let rollbackP50Ms = 0;
  let rollbackP90Ms = 0;
  const steps = runbook.steps.map((s, i) => {
    const back = at(s.id, true).estimate;
    rollbackP50Ms += back.p50Ms;
    rollbackP90Ms += back.p90Ms;
    return { ...at(s.id), needs: dag ? (s.needs ?? []) : i > 0 ? [runbook.steps[i - 1]!.id] : [] };
  });
  return { prechecks: runbook.precheck.map((p) => at(p.id)), steps, verify: runbook.verify.map((v) => at(v.id)), rollbackP50Ms, rollbackP90Ms };
}

/** One application of the wave with its runbook's timing, in wave order. */
export interface TimedApplication {
  id: string;
  /** Source site (its first host's), for `perSite`. */
  site?: string | null | undefined;
  hosts: readonly string[];
  timing: RunbookTiming;
}

/** The `timing` member of a planned wave. */
export type WaveTiming = {
  /** Expected duration at the median, ms. */
  p50Ms: number;
  /** Expected duration at the 90th percentile, ms. */
  p90Ms: number;
  /** The window's length, ms. */
  windowMs: number;
  /** Whether the wave ends inside its window at P90. */
  fits: boolean;
  windowEndsAt: string;
  /** When the wave is expected to end, P50 and P90 (ISO 8601 with the window's offset). */
  endsAtP50: string;
  endsAtP90: string;
  /** What undoing every application of the wave takes at P90 (one application at a time), ms. */
  rollbackP90Ms: number;
  /** The latest time to start rolling back so every application's rollback ends inside the window. */
  rollbackDecisionAt: string;
  /**
   * Applications, first to last, each started when the one before it freed its slot; with the
   * steps of its own longest chain. At most the last `CRITICAL_PATH_KEPT` applications (those that
   * end the wave); `criticalPathLength` says how many there are in all.
   */
  criticalPath: { application: string; steps: string[] }[];
  criticalPathLength: number;
  /** How the wave's entries are estimated: from `estimate`s, measured actuals, or the default ("not estimated"). */
  estimates: { estimate: number; actuals: number; default: number };
};

/** The schedule behind a wave's timing, for drawing it: each application's start and duration at P50 and P90, its own schedule on demand. */
export interface WaveSchedules {
  timing: WaveTiming;
  p50: { start: Float64Array; durations: Float64Array; profile: (i: number) => AppProfile };
  p90: { start: Float64Array; durations: Float64Array; profile: (i: number) => AppProfile };
  /** Positions (in wave order) of the applications on the critical path. */
  chain: number[];
}

/** Profiles by runbook timing: applications sharing one (most of a big estate) share them too. */
const profiles = new WeakMap<RunbookTiming, { p50: AppProfile; p90: AppProfile }>();

export function profilesOf(t: RunbookTiming): { p50: AppProfile; p90: AppProfile } {
  let p = profiles.get(t);
  if (!p) profiles.set(t, (p = { p50: profileOf(t, "p50"), p90: profileOf(t, "p90") }));
  return p;
}

const durations = new WeakMap<RunbookTiming, { p50: number; p90: number }>();

/** An application's duration at P50 and P90, without building its schedule (a 100k plan asks for every one). */
export function durationsOf(t: RunbookTiming): { p50: number; p90: number } {
  let d = durations.get(t);
  if (!d) durations.set(t, (d = { p50: durationOf(t, "p50"), p90: durationOf(t, "p90") }));
  return d;
}

/**
 * Applications of a critical path the plan records: the last ten, those that end the wave. A wave
 * of thousands run ten at a time has a path hundreds of applications long; the board acts on its
 * end, and the whole of it would add megabytes to a 100k plan.
 */
export const CRITICAL_PATH_KEPT = 10;

/** Simulate one wave (see simulate.ts) and describe it for the plan. */
export function simulateWave(apps: readonly TimedApplication[], limits: RunLimits, window: { start: string; end: string }): WaveSchedules {
  // Applications without estimates of their own share their runbook's timing object: count its
  // sources once (a wave of thousands has a handful), not once per application.
  const memo = new Map<RunbookTiming, { estimate: number; actuals: number; default: number }>();
  const of = (t: RunbookTiming) => {
    let m = memo.get(t);
    if (!m) {
      m = { estimate: 0, actuals: 0, default: 0 };
      for (const list of [t.prechecks, t.steps, t.verify]) for (const e of list) m[e.estimate.source]++;
      memo.set(t, m);
    }
    return m;
  };
  const d50 = new Float64Array(apps.length);
  const d90 = new Float64Array(apps.length);
  apps.forEach((a, i) => {
    const d = durationsOf(a.timing);
    d50[i] = d.p50;
    d90[i] = d.p90;
  });
  const s50 = scheduleWave(apps.map((a, i) => ({ id: a.id, site: a.site, hosts: a.hosts, durationMs: d50[i]! })), limits);
  const s90 = scheduleWave(apps.map((a, i) => ({ id: a.id, site: a.site, hosts: a.hosts, durationMs: d90[i]! })), limits);
  const windowMs = Date.parse(window.end) - Date.parse(window.start);
  let rollbackP90Ms = 0;
  const counts = { estimate: 0, actuals: 0, default: 0 };
  for (const a of apps) {
    rollbackP90Ms += a.timing.rollbackP90Ms;
    const sources = of(a.timing);
    counts.estimate += sources.estimate;
    counts.actuals += sources.actuals;
    counts.default += sources.default;
  }
  const timing: WaveTiming = {
    p50Ms: s50.makespanMs,
    p90Ms: s90.makespanMs,
    windowMs,
    fits: s90.makespanMs <= windowMs,
    windowEndsAt: window.end,
    endsAtP50: shiftIso(window.start, s50.makespanMs),
    endsAtP90: shiftIso(window.start, s90.makespanMs),
    rollbackP90Ms,
    rollbackDecisionAt: shiftIso(window.end, -rollbackP90Ms),
    criticalPath: s90.chain.slice(-CRITICAL_PATH_KEPT).map((i) => ({ application: apps[i]!.id, steps: profilesOf(apps[i]!.timing).p90.critical })),
    criticalPathLength: s90.chain.length,
    estimates: counts,
  };
  return {
    timing,
    p50: { start: s50.start, durations: d50, profile: (i) => profilesOf(apps[i]!.timing).p50 },
    p90: { start: s90.start, durations: d90, profile: (i) => profilesOf(apps[i]!.timing).p90 },
    chain: s90.chain,
  };
}

/** Critical paths longer than this are named by their first and last applications in warnings. */
const PATH_SHOWN = 4;

/** Steps of an application's critical chain the warning names: its longest, in run order. */
const STEPS_SHOWN = 3;

/**
 * The `window-overrun` warning's text for a wave that does not fit at P90: the critical path's
 * applications, each with the longest steps of its own chain and what they take at P90.
 */
export function overrunMessage(wave: { number: number; date: string }, s: WaveSchedules, ids: readonly string[]): string {
  const t = s.timing;
  // Only the applications the message names are described: a big wave's path is hundreds long.
  const described = s.chain.length <= PATH_SHOWN ? s.chain : [...s.chain.slice(0, 2), ...new Array<number>(s.chain.length - 3).fill(-1), s.chain[s.chain.length - 1]!];
  const path = described.map((i) => {
    if (i < 0) return { application: "", steps: [] };
    const profile = s.p90.profile(i);
    const on = new Set(profile.critical);
    const entries = profile.entries.filter((e) => on.has(e.id));
    const longest = new Set([...entries].sort((a, b) => b.end - b.start - (a.end - a.start)).slice(0, STEPS_SHOWN).map((e) => e.id));
    return { application: ids[i]!, steps: entries.filter((e) => longest.has(e.id)).map((e) => `${e.id} ${formatEstimate(e.end - e.start)}`) };
  });
  const link = (p: { application: string; steps: string[] }) => `${p.application} (${p.steps.join(", ")})`;
  const named = path.length <= PATH_SHOWN ? path.map(link).join(" then ") : `${path.slice(0, 2).map(link).join(" then ")} … ${path.length - 3} more … then ${link(path[path.length - 1]!)}`;
  return (
    `wave ${wave.number} on ${wave.date} needs ${formatEstimate(t.p90Ms)} at P90 (${formatEstimate(t.p50Ms)} at P50) but its window is ${formatEstimate(t.windowMs)}: ` +
    `critical path ${named}; shorten those steps, raise the run's concurrency, or move applications to another wave`
  );
}
