/**
 * The live forecast of a wave: when it will end, from what is left of each application (its
 * remaining entries' estimates, less the time the running ones have already taken) scheduled
 * under the run's limits from now on. Pure: fed the run's events, asked at an instant.
 *
 * What is left of one application, as the engine runs it (engine/application.ts): the
 * prechecks not yet passed one after another, then the longest chain of steps not yet done
 * (a running step counts what its estimate has left, never less than nothing), then the verify
 * gates not yet passed; an application rolling back has the rollbacks of its completed steps
 * left. An entry that overruns its estimate has nothing left by the estimate, so the forecast
 * moves on with the clock: it never ends before now.
 *
 * Across applications: those at work hold their slots; the rest start, in wave order, each as
 * soon as the concurrency, its site's and its hosts' limits leave room, scheduled exactly as the
 * planner schedules a wave (simulate.ts).
 */
import type { RunEvent } from "../model/run-event.js";
import { scheduleWave } from "./simulate.js";

/** One entry of an application's runbook and what it is expected to take (P50, ms). */
export interface ForecastEntry {
  id: string;
  ms: number;
}

/** An application of the wave with its runbook's estimates. */
export interface ForecastApp {
  id: string;
  site?: string | null | undefined;
  hosts: readonly string[];
  prechecks: readonly ForecastEntry[];
  /** Steps with the steps each needs (the previous one where the runbook has no `needs`). */
  steps: readonly (ForecastEntry & { needs: readonly string[] })[];
  verify: readonly ForecastEntry[];
  /** What undoing each step takes, by step id (absent: nothing to undo). */
  rollbackMs: Readonly<Record<string, number>>;
}

/** The limits the run goes with. */
export interface ForecastLimits {
  concurrency: number;
  perSite?: number | undefined;
  perHost?: number | undefined;
}

interface Progress {
  state: "pending" | "active" | "done";
  /** When the application's current precheck or verify gate began (the end of what came before). */
  markMs: number;
  prechecksPassed: number;
  stepsDone: Set<string>;
  stepsRunning: Map<string, number>;
  verifyPassed: number;
  rollingBack: boolean;
  /** Steps whose rollback is still to run, while rolling back. */
  toUndo: Set<string>;
  rollbackRunning: Map<string, number>;
}

/** Live forecast of one wave's end. Feed it every event of the run, in order. */
export class WaveForecast {
  private readonly apps: readonly ForecastApp[];
  private readonly byId: Map<string, { app: ForecastApp; progress: Progress }>;
  private readonly limits: ForecastLimits;
  /** The run is stopped (finished or interrupted): nothing is forecast. */
  stopped = false;

  constructor(apps: readonly ForecastApp[], limits: ForecastLimits) {
    this.apps = apps;
    this.limits = limits;
    this.byId = new Map(apps.map((app) => [app.id, { app, progress: fresh() }]));
  }

  /** Take one event of the run into account. */
  observe(e: RunEvent): void {
    const at = Date.parse(e.at);
    if (e.type === "run.finished" || e.type === "run.interrupted") {
      this.stopped = true;
      return;
    }
    if (e.type === "run.resumed") {
      // What a resume picks up was folded by the caller (see `restart`); elapsed times start afresh.
      this.stopped = false;
      return;
    }
    if (!("app" in e)) return;
    const entry = this.byId.get(e.app);
    if (!entry) return;
    const p = entry.progress;
    switch (e.type) {
      case "app.started":
        p.state = "active";
        p.markMs = at;
        break;
      case "app.finished":
        // Finished, waiting, paused or uncertain: no more work of it can be forecast.
        p.state = "done";
        break;
      case "precheck.passed":
      case "precheck.failed":
        p.prechecksPassed++;
        p.markMs = at;
        break;
      case "step.started":
        if (!p.stepsRunning.has(e.step)) p.stepsRunning.set(e.step, at);
        break;
      case "step.succeeded":
        p.stepsRunning.delete(e.step);
        p.stepsDone.add(e.step);
        p.markMs = at;
        break;
      case "step.failed":
        p.stepsRunning.delete(e.step);
        p.rollingBack = true;
        p.toUndo = new Set(p.stepsDone);
        break;
      case "rollback.started":
        if (!p.rollingBack) {
          p.rollingBack = true;
          p.toUndo = new Set(p.stepsDone);
        }
        if (!p.rollbackRunning.has(e.step)) p.rollbackRunning.set(e.step, at);
        break;
      case "rollback.succeeded":
      case "rollback.failed":
        p.rollbackRunning.delete(e.step);
        p.toUndo.delete(e.step);
        break;
      case "verify.passed":
        p.verifyPassed++;
        p.markMs = at;
        break;
      case "verify.failed":
        p.rollingBack = true;
        p.toUndo = new Set(p.stepsDone);
        break;
      default:
        break;
    }
  }

  /**
   * Start from what a resumed run had done: applications finished, steps succeeded. Their
   * durations are past; only what is left is forecast.
   */
  restart(done: { app: string; finished: boolean; stepsDone: readonly string[] }[]): void {
    for (const d of done) {
      const entry = this.byId.get(d.app);
      if (!entry) continue;
      entry.progress = fresh();
      if (d.finished) entry.progress.state = "done";
      for (const s of d.stepsDone) entry.progress.stepsDone.add(s);
      // Prechecks do not run again once a step has started (engine/application.ts).
      if (d.stepsDone.length > 0) entry.progress.prechecksPassed = entry.app.prechecks.length;
    }
  }

  /** What is left of the wave from `nowMs`, in ms, under the run's limits. */
  remainingMs(nowMs: number): number {
    const items: { site?: string | null | undefined; hosts: readonly string[]; ms: number; active: boolean }[] = [];
    for (const { app, progress } of this.byId.values()) {
      if (progress.state === "done") continue;
      items.push({ site: app.site, hosts: app.hosts, ms: leftOf(app, progress, nowMs), active: progress.state === "active" });
    }
    // Applications at work hold their slots already; the others queue behind them in wave order.
    const order = [...items.filter((i) => i.active), ...items.filter((i) => !i.active)];
    return makespan(order, this.limits);
  }

  /** When the wave is forecast to end (ms since the epoch), or undefined once the run has stopped. */
  endAt(nowMs: number): number | undefined {
    if (this.stopped) return undefined;
    return nowMs + this.remainingMs(nowMs);
  }

  /** The applications, in wave order. */
  get applications(): readonly ForecastApp[] {
    return this.apps;
  }
}

function fresh(): Progress {
  return { state: "pending", markMs: 0, prechecksPassed: 0, stepsDone: new Set(), stepsRunning: new Map(), verifyPassed: 0, rollingBack: false, toUndo: new Set(), rollbackRunning: new Map() };
}

/** What is left of one application at `now`, ms. */
function leftOf(app: ForecastApp, p: Progress, now: number): number {
  const since = (t: number) => Math.max(0, now - t);
  if (p.rollingBack) {
    let left = 0;
    for (const step of p.toUndo) {
      const ms = app.rollbackMs[step] ?? 0;
      const started = p.rollbackRunning.get(step);
      left += started === undefined ? ms : Math.max(0, ms - since(started));
    }
    return left;
  }
  const active = p.state === "active";
  let left = 0;
  // Prechecks: the first not yet passed is under way since the mark.
  const stepsBegun = p.stepsDone.size > 0 || p.stepsRunning.size > 0;
  if (!stepsBegun) {
    for (let i = p.prechecksPassed; i < app.prechecks.length; i++) {
      const ms = app.prechecks[i]!.ms;
      left += i === p.prechecksPassed && active ? Math.max(0, ms - since(p.markMs)) : ms;
    }
  }
  // Steps: the longest chain of what is not done.
  const finish = new Map<string, number>();
  const byId = new Map(app.steps.map((s) => [s.id, s]));
  const chain = (id: string, depth: number): number => {
    const known = finish.get(id);
    if (known !== undefined) return known;
    const s = byId.get(id);
    if (!s || p.stepsDone.has(id) || depth > app.steps.length) return 0;
    const started = p.stepsRunning.get(id);
    const own = started === undefined ? s.ms : Math.max(0, s.ms - since(started));
    let before = 0;
    for (const n of s.needs) before = Math.max(before, chain(n, depth + 1));
    const f = before + own;
    finish.set(id, f);
    return f;
  };
  let steps = 0;
  for (const s of app.steps) steps = Math.max(steps, chain(s.id, 0));
  left += steps;
  // Verify gates: the first not yet passed is under way since the mark once every step is done.
  const allDone = app.steps.every((s) => p.stepsDone.has(s.id));
  for (let i = p.verifyPassed; i < app.verify.length; i++) {
    const ms = app.verify[i]!.ms;
    left += i === p.verifyPassed && active && allDone ? Math.max(0, ms - since(p.markMs)) : ms;
  }
  return left;
}

/**
 * When the last of `items` ends if each starts, in order, as soon as the limits leave room: the
 * planner's own schedule (simulate.ts), so the forecast and the plan queue applications alike.
 */
export function makespan(items: readonly { site?: string | null | undefined; hosts: readonly string[]; ms: number }[], limits: ForecastLimits): number {
  if (items.length === 0) return 0;
  return scheduleWave(
    items.map((it, i) => ({ id: String(i), site: it.site, hosts: it.hosts, durationMs: it.ms })),
    limits,
  ).makespanMs;
}
