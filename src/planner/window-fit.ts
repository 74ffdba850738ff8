/**
 * Window fit during placement (docs/planning.md, "Fitting the window"): the planner's side of
 * timing. Each application gets its runbook's estimates (src/timing), and each slot tracks the
 * applications placed in it, so placement can ask "does this wave still fit its window at P90
 * with this group added?" without simulating on every question: two cheap bounds answer most,
 * and only the undecided band runs the simulation, in the order the wave will run.
 */
import { OpenSlots } from "./open-slots.js";
import type { Estate } from "../model/estate.js";
import { DEFAULT_CONCURRENCY } from "../model/limits.js";
import { scheduleWave, type RunLimits } from "../timing/simulate.js";

/** Where the run's forecast and `ferry timings` have always found it; it lives with the timing catalogue. */
export { movingGb } from "../timing/catalogue.js";

/** The limits the plan simulates waves with: the calendar's `runLimits`, else `ferry run`'s defaults. */
export function planLimits(estate: Pick<Estate, "calendar">): { concurrency: number; perSite?: number; perHost?: number } {
  const l = estate.calendar?.runLimits;
  return { concurrency: l?.concurrency ?? DEFAULT_CONCURRENCY, ...(l?.perSite ? { perSite: l.perSite } : {}), ...(l?.perHost ? { perHost: l.perHost } : {}) };
}

/** Per slot, the applications placed so far and enough of their sums to bound the wave's P90. */
export class SlotTimes {
  private readonly members: number[][];
  private readonly sum: Float64Array;
  private readonly max: Float64Array;
  /**
   * The smallest group (total and longest application) the simulation refused since the slot
   * last changed: a group at least as long in both is refused without simulating again. List
   * schedules are not strictly monotone, so this may keep out a group that would just have fitted;
   * it never lets in one that does not. Without it a nearly full wave is simulated again for every
   * group that passes it, which made planning a 10k estate five times slower.
   */
  private readonly refusedSum: Float64Array;
  private readonly refusedMax: Float64Array;
  /** Union-find "next slot that could still take the shortest application": full waves are skipped in O(1). */
  private readonly open: OpenSlots;
  private readonly shortest: number;

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
    this.refusedSum = new Float64Array(slotCount).fill(Infinity);
    this.refusedMax = new Float64Array(slotCount).fill(Infinity);
    this.open = new OpenSlots(slotCount);
    let shortest = Infinity;
    for (const d of apps.p90) if (d < shortest) shortest = d;
    this.shortest = shortest;
  }

  /** The first slot at or after `slot` whose wave could still take the shortest application (slotCount when none). */
  openFrom(slot: number): number {
    return this.open.firstFrom(slot);
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
    let gsum = 0;
    let gmax = 0;
    for (const m of group) {
      gsum += this.apps.p90[m]!;
      gmax = Math.max(gmax, this.apps.p90[m]!);
    }
    if (gsum >= this.refusedSum[slot]! && gmax >= this.refusedMax[slot]!) return false;
    const order = [...this.members[slot]!, ...group].sort((a, b) => a - b);
    const items = order.map((i) => ({ id: String(i), site: this.apps.site(i), hosts: this.apps.hosts(i), durationMs: this.apps.p90[i]! }));
    if (scheduleWave(items, this.limits).makespanMs <= w) return true;
    if (gsum <= this.refusedSum[slot]! && gmax <= this.refusedMax[slot]!) {
      this.refusedSum[slot] = gsum;
      this.refusedMax[slot] = gmax;
    }
    return false;
  }

  add(slot: number, group: readonly number[]): void {
    this.refusedSum[slot] = Infinity;
    this.refusedMax[slot] = Infinity;
    const list = this.members[slot]!;
    for (const m of group) {
      list.push(m);
      const d = this.apps.p90[m]!;
      this.sum[slot]! += d;
      if (d > this.max[slot]!) this.max[slot] = d;
    }
    // By the lower bound no application fits any more: skip the slot from now on.
    if ((this.sum[slot]! + this.shortest) / Math.max(1, this.limits.concurrency) > this.windowMs(slot)) this.open.close(slot);
  }
}
