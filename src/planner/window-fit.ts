/**
 * Window fit during placement (docs/planning.md, "Fitting the window"): the planner's side of
 * timing. Each application gets its runbook's estimates (src/timing), and each slot tracks the
 * applications placed in it, so placement can ask "does this wave still fit its window at P90
 * with this group added?" without simulating on every question: two cheap bounds answer most,
 * and only the undecided band runs the simulation, in the order the wave will run.
 */
import type { Dataset, Estate } from "../model/estate.js";
import { DEFAULT_CONCURRENCY } from "../model/limits.js";
import type { Runbook } from "../model/runbook.js";
import { profileOf, scheduleWave, type RunLimits, type RunbookTiming } from "../timing/simulate.js";
import type { StepActuals } from "../timing/types.js";
import { runbookTiming } from "../timing/wave-timing.js";
import type { AppFacts } from "./facts.js";

/** The limits the plan simulates waves with: the calendar's `runLimits`, else `ferry run`'s defaults. */
export function planLimits(estate: Pick<Estate, "calendar">): { concurrency: number; perSite?: number; perHost?: number } {
  const l = estate.calendar?.runLimits;
  return { concurrency: l?.concurrency ?? DEFAULT_CONCURRENCY, ...(l?.perSite ? { perSite: l.perSite } : {}), ...(l?.perHost ? { perHost: l.perHost } : {}) };
}

/** Gigabytes each application's data sets move (decision `migrate` or `archive`), by application id. */
export function movingGb(datasets: readonly Dataset[]): Map<string, number> {
  const gb = new Map<string, number>();
  for (const d of datasets) if (d.decision !== "destroy") gb.set(d.application, (gb.get(d.application) ?? 0) + d.sizeGb);
  return gb;
}

/**
 * Each application's runbook timing, shared between applications that cannot differ (no
 * estimates of their own, and no data or a runbook without `perGb`): a 100k estate has a
 * handful of runbooks, so this is a handful of computations.
 */
export class TimingCatalogue {
  private readonly shared = new Map<string, RunbookTiming>();
  private readonly p90 = new WeakMap<RunbookTiming, number>();
  private readonly gb: Map<string, number>;
  private readonly perGb = new Map<string, boolean>();

  constructor(
    private readonly runbooks: ReadonlyMap<string, { runbook: Runbook }>,
    datasets: readonly Dataset[],
    private readonly actuals: StepActuals | undefined,
  ) {
    this.gb = movingGb(datasets);
  }

  /** The runbook timing of one application; undefined when its runbook is missing. */
  of(f: Pick<AppFacts, "app" | "runbook">): RunbookTiming | undefined {
    const rb = this.runbooks.get(f.runbook)?.runbook;
    if (!rb) return undefined;
    let usesGb = this.perGb.get(f.runbook);
    if (usesGb === undefined) {
      usesGb = [...rb.precheck, ...rb.steps, ...rb.verify, ...rb.steps.flatMap((s) => (s.rollback ? [s.rollback] : []))].some((e) => typeof e.estimate === "object" && e.estimate.perGb !== undefined);
      this.perGb.set(f.runbook, usesGb);
    }
    const gb = this.gb.get(f.app.id) ?? 0;
    const own = f.app.estimates && Object.keys(f.app.estimates).length > 0 ? f.app.estimates : undefined;
    if (own || (usesGb && gb > 0)) return runbookTiming(rb, own, gb, this.actuals);
    let t = this.shared.get(f.runbook);
    if (!t) this.shared.set(f.runbook, (t = runbookTiming(rb, undefined, 0, this.actuals)));
    return t;
  }

  /** One application's own duration at P90, ms (0 when its runbook is missing). */
  p90Of(f: Pick<AppFacts, "app" | "runbook">): number {
    const t = this.of(f);
    if (!t) return 0;
    let ms = this.p90.get(t);
    if (ms === undefined) this.p90.set(t, (ms = profileOf(t, "p90").durationMs));
    return ms;
  }
}

/** Per slot, the applications placed so far and enough of their sums to bound the wave's P90. */
export class SlotTimes {
  private readonly members: number[][];
  private readonly sum: Float64Array;
  private readonly max: Float64Array;

  constructor(
    slotCount: number,
    /** The window of each slot, ms. */
    private readonly windowMs: (slot: number) => number,
    private readonly limits: RunLimits,
    /** P90 duration, source site and hosts of each application (by fact index). */
    private readonly apps: { p90: Float64Array; site: (i: number) => string | null; hosts: (i: number) => readonly string[] },
  ) {
    this.members = Array.from({ length: slotCount }, () => []);
    this.sum = new Float64Array(slotCount);
    this.max = new Float64Array(slotCount);
  }

  /** Whether `slot`'s wave still ends inside its window at P90 with `group` (fact indices) added. */
  fits(slot: number, group: readonly number[]): boolean {
    const w = this.windowMs(slot);
    const c = Math.max(1, this.limits.concurrency);
    let sum = this.sum[slot]!;
    let max = this.max[slot]!;
    for (const m of group) {
      const d = this.apps.p90[m]!;
      sum += d;
      if (d > max) max = d;
    }
    // Lower bound: no application finishes before its own duration, no slot does more than its share.
    if (max > w || sum / c > w) return false;
    // Upper bound of any list schedule on c identical slots (Graham): holds with no other limit.
    if (!this.limits.perSite && !this.limits.perHost && sum / c + (1 - 1 / c) * max <= w) return true;
    const order = [...this.members[slot]!, ...group].sort((a, b) => a - b);
    const items = order.map((i) => ({ id: String(i), site: this.apps.site(i), hosts: this.apps.hosts(i), durationMs: this.apps.p90[i]! }));
    return scheduleWave(items, this.limits).makespanMs <= w;
  }

  add(slot: number, group: readonly number[]): void {
    const list = this.members[slot]!;
    for (const m of group) {
      list.push(m);
      const d = this.apps.p90[m]!;
      this.sum[slot]! += d;
      if (d > this.max[slot]!) this.max[slot] = d;
    }
  }
}
