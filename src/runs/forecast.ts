/**
 * The live forecast of a running wave against its window: built from the plan's timing (the
 * window's end and the rollback decision point the planner worked out) and the estimates the
 * plan used, fed the run's events, told to the caller as updates and, once, as a warning when
 * the forecast end passes the rollback decision point. Prints nothing: the CLI renders.
 *
 * A plan without `timing` on the wave (made before ferry estimated durations) gives no
 * forecast at all: nothing is computed and nothing shown.
 */
import type { Project } from "../model/load.js";
import type { Plan, Wave } from "../model/plan.js";
import type { RunEvent } from "../model/run-event.js";
import type { EventListener } from "../engine/events.js";
import type { PreparedApp } from "../engine/prepare.js";
import type { RunState } from "../engine/state.js";
import { estimateFor } from "../timing/estimate.js";
import { WaveForecast, type ForecastApp, type ForecastLimits } from "../timing/forecast.js";
import type { StepActuals, StepTiming } from "../timing/types.js";
import { DEFAULT_CONCURRENCY } from "../model/limits.js";
import { councilTime } from "./window.js";
import { movingGb } from "../planner/window-fit.js";

/** What the plan says of the wave's window: when it ends, and the latest time to start rolling back. */
export interface WaveWindowTiming {
  windowStartsAt: string;
  windowEndsAt: string;
  rollbackDecisionAt: string;
}

/** The wave's `timing` from the plan, when the planner recorded one. */
export function waveWindowTiming(wave: Wave): WaveWindowTiming | undefined {
  const t = (wave as { timing?: { windowEndsAt?: unknown; rollbackDecisionAt?: unknown } }).timing;
  if (!t || typeof t.windowEndsAt !== "string" || typeof t.rollbackDecisionAt !== "string") return undefined;
  if (!Number.isFinite(Date.parse(t.windowEndsAt)) || !Number.isFinite(Date.parse(t.rollbackDecisionAt))) return undefined;
  return { windowStartsAt: wave.window.start, windowEndsAt: t.windowEndsAt, rollbackDecisionAt: t.rollbackDecisionAt };
}

/** The measured durations the plan used (`plan.timing.actuals`), so the forecast reasons as the plan did. */
export function planActuals(plan: Plan): StepActuals | undefined {
  const recorded = (plan as { timing?: { actuals?: Record<string, StepTiming> } }).timing?.actuals;
  return recorded ? new Map(Object.entries(recorded)) : undefined;
}

/** Each application's runbook entries with the estimates the plan would give them (P50, ms). */
export function forecastApps(project: Project, apps: readonly PreparedApp[], actuals: StepActuals | undefined): ForecastApp[] {
  const gb = movingGb(project.estate.datasets);
  return apps.map((p) => {
    const runbook = project.runbooks.get(p.runbookName)?.runbook;
    const ms = (step: string, rollback = false) => {
      if (!runbook) return 0;
      try {
        return estimateFor({ runbook, step, rollback, applicationEstimates: p.app.estimates, datasetGb: gb.get(p.app.id) ?? 0, actuals }).p50Ms;
      } catch {
        return 0; // not an entry of the runbook as loaded: nothing to forecast for it
      }
    };
    const rollbackMs: Record<string, number> = {};
    for (const s of p.steps) if (s.rollback) rollbackMs[s.id] = ms(s.id, true);
    return {
      id: p.app.id,
      site: p.site,
      hosts: p.hosts,
      prechecks: p.prechecks.map((c) => ({ id: c.id, ms: ms(c.id) })),
      steps: p.steps.map((s) => ({ id: s.id, ms: ms(s.id), needs: s.needs })),
      verify: p.verify.map((v) => ({ id: v.id, ms: ms(v.id) })),
      rollbackMs,
    };
  });
}

/** One forecast, as the live view and `--json` carry it. */
export interface ForecastUpdate {
  run: string;
  wave: number;
  /** ISO time of the forecast. */
  at: string;
  /** When the wave is forecast to end. */
  forecastEndAt: string;
  /** What is left, ms. */
  remainingMs: number;
  windowEndsAt: string;
  rollbackDecisionAt: string;
  /** The forecast end is before the window's end by this much (negative: after it), ms. */
  marginMs: number;
  /** The calendar's timezone, in which the council reads these times. */
  timezone: string;
  /** A rehearsal: the window is counted from the rehearsal's start, as if it had opened then. */
  rehearsal?: true;
}

/** The warning once the forecast end passes the rollback decision point. */
export interface RollbackPointWarning extends ForecastUpdate {
  code: "rollback-decision-point";
  message: string;
}

export interface ForecastWatchOptions {
  project: Project;
  plan: Plan;
  wave: Wave;
  apps: readonly PreparedApp[];
  limits?: Partial<ForecastLimits>;
  /** Told each new forecast: after events that change what is left (`event`; at most every 250 ms, at once when the run starts or resumes), and on each tick (`tick`). */
  onForecast?: (f: ForecastUpdate, why: "event" | "tick") => void;
  /** Told once, when the forecast end first passes the rollback decision point. */
  onRollbackPoint?: (w: RollbackPointWarning) => void;
  /** The state a resumed run continues from. */
  resumedFrom?: RunState;
  /** How often the forecast is checked between events (a long step overrunning its estimate), ms. @default 1000 */
  tickMs?: number;
  now?: () => number;
}

export interface ForecastWatch {
  listener: EventListener;
  /** The latest forecast, if any. */
  latest(): ForecastUpdate | undefined;
  stop(): void;
}

/**
 * Least time between two forecasts after events, ms: a wave of thousands of applications makes
 * tens of thousands of events, and each forecast looks at every application (about 7 ms of CPU
 * for 3,000 applications of 12 entries): a run starting or resuming is forecast at once, other
 * changes at most this often, so the engine's listeners never fall behind.
 */
const EVENT_FORECAST_MS = 250;
const AT_ONCE: ReadonlySet<RunEvent["type"]> = new Set(["run.started", "run.resumed"]);

/** Events after which what is left of the wave changed. */
const CHANGES: ReadonlySet<RunEvent["type"]> = new Set(["run.started", "run.resumed", "app.started", "app.finished", "precheck.passed", "step.succeeded", "step.failed", "rollback.succeeded", "verify.passed", "verify.failed"]);

/** Watch a run's events and forecast its wave's end; undefined when the plan has no timing for the wave. */
export function watchForecast(opts: ForecastWatchOptions): ForecastWatch | undefined {
  const timing = waveWindowTiming(opts.wave);
  if (!timing) return undefined;
  const now = opts.now ?? Date.now;
  const timezone = opts.project.estate.calendar?.window.timezone ?? "UTC";
  const limits: ForecastLimits = { concurrency: opts.limits?.concurrency ?? DEFAULT_CONCURRENCY, perSite: opts.limits?.perSite, perHost: opts.limits?.perHost };
  const forecast = new WaveForecast(forecastApps(opts.project, opts.apps, planActuals(opts.plan)), limits);
  if (opts.resumedFrom) {
    forecast.restart([...opts.resumedFrom.apps.values()].map((a) => ({ app: a.id, finished: a.finished, stepsDone: [...a.steps.values()].filter((s) => s.status === "succeeded").map((s) => s.id) })));
  }
  let run: string | undefined;
  let offset = 0;
  let rehearsal = false;
  let warned = false;
  let latest: ForecastUpdate | undefined;
  const update = (why: "event" | "tick") => {
    if (run === undefined) return;
    const t = now();
    const end = forecast.endAt(t);
    if (end === undefined) return;
    const windowEnd = Date.parse(timing.windowEndsAt) + offset;
    const decision = Date.parse(timing.rollbackDecisionAt) + offset;
    latest = {
      run,
      wave: opts.wave.number,
      at: new Date(t).toISOString(),
      forecastEndAt: new Date(end).toISOString(),
      remainingMs: end - t,
      windowEndsAt: new Date(windowEnd).toISOString(),
      rollbackDecisionAt: new Date(decision).toISOString(),
      marginMs: windowEnd - end,
      timezone,
      ...(rehearsal ? { rehearsal: true as const } : {}),
    };
    opts.onForecast?.(latest, why);
    if (!warned && end > decision) {
      warned = true;
      const hhmm = (ms: number) => councilTime(ms, timezone, "time");
      const message =
        `wave ${opts.wave.number}${rehearsal ? " (rehearsal: window counted from its start)" : ""} is forecast to end at ${hhmm(end)}, past its rollback decision point: ` +
        `if you do not start rolling back by ${hhmm(decision)}, rollback will not finish inside the window (it ends at ${hhmm(windowEnd)})`;
      opts.onRollbackPoint?.({ ...latest, code: "rollback-decision-point", message });
    }
  };
  const timer = setInterval(() => update("tick"), opts.tickMs ?? 1000);
  timer.unref();
  let lastAt = Number.NEGATIVE_INFINITY;
  let trailing: NodeJS.Timeout | undefined;
  const afterEvent = (atOnce: boolean) => {
    const t = now();
    if (atOnce || t - lastAt >= EVENT_FORECAST_MS) {
      clearTimeout(trailing);
      trailing = undefined;
      lastAt = t;
      update("event");
    } else if (!trailing) {
      trailing = setTimeout(() => {
        trailing = undefined;
        lastAt = now();
        update("event");
      }, EVENT_FORECAST_MS - (t - lastAt));
      trailing.unref();
    }
  };
  const stop = () => {
    clearInterval(timer);
    clearTimeout(trailing);
  };
  const listener: EventListener = (e) => {
    if (e.type === "run.started") {
      run = e.run;
      rehearsal = e.rehearsal === true;
      // A rehearsal runs at any time: its window is counted from its own start.
      offset = rehearsal ? Date.parse(e.at) - Date.parse(timing.windowStartsAt) : 0;
    }
    if (e.type === "run.resumed") {
      run = e.run;
      const started = opts.resumedFrom?.started;
      rehearsal = started?.rehearsal === true;
      offset = rehearsal && started ? Date.parse(started.at) - Date.parse(timing.windowStartsAt) : 0;
    }
    forecast.observe(e);
    if (forecast.stopped) stop();
    else if (CHANGES.has(e.type)) afterEvent(AT_ONCE.has(e.type));
  };
  return { listener, latest: () => latest, stop };
}
