import { OpenSlots } from "./open-slots.js";
import type { Capacity } from "../model/estate.js";

/** What a group asks of a wave. */
export interface Demand {
  applications: number;
  effort: number;
  users: number;
  /** Applications per source site; applications without a site do not count. */
  sites: Map<string, number>;
}

/** The capacity dimension that stops a group, for reasons a change board reads. */
export type Dimension = "applications" | "effort" | "users" | "perSite";

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * Per-slot load counters for the calendar's capacity. Arrays indexed by slot keep each check
 * O(1) (plus one look-up per source site of the group), and full slots are skipped with a
 * union-find "next open slot" pointer, so placing N groups never scans waves × groups.
 */
export class SlotLoads {
  readonly applications: Float64Array;
  readonly effort: Float64Array;
  readonly users: Float64Array;
  private readonly perSite = new Map<string, Int32Array>();
  private readonly open: OpenSlots;
  private readonly cap: Required<Record<Dimension, number>>;

  constructor(
    readonly slotCount: number,
    capacity: Capacity,
  ) {
    this.applications = new Float64Array(slotCount);
    this.effort = new Float64Array(slotCount);
    this.users = new Float64Array(slotCount);
    this.open = new OpenSlots(slotCount);
    this.cap = {
      applications: capacity.applications ?? Infinity,
      effort: capacity.effort ?? Infinity,
      users: capacity.users ?? Infinity,
      perSite: capacity.perSite ?? Infinity,
    };
  }

  /** Why a group can never fit any wave, or undefined when an empty wave would take it. */
  oversize(d: Demand): string | undefined {
    const c = this.cap;
    if (d.applications > c.applications) return `group of ${plural(d.applications, "application")} exceeds the wave capacity of ${c.applications}`;
    if (d.effort > c.effort) return `group effort of ${d.effort} points exceeds the wave capacity of ${c.effort}`;
    if (d.users > c.users) return `group of ${d.users} users exceeds the wave capacity of ${c.users} users`;
    let over: [string, number] | undefined; // the first site by name over the limit
    for (const [site, count] of d.sites) if (count > c.perSite && (!over || site < over[0])) over = [site, count];
    if (over) return `group has ${plural(over[1], "application")} on site ${over[0]}, more than the ${c.perSite} per site a wave allows`;
    return undefined;
  }

  /** The first dimension that `slot` has no room left in for `d`, or undefined when it fits. */
  blocking(slot: number, d: Demand): Dimension | undefined {
    const c = this.cap;
    if (this.applications[slot]! + d.applications > c.applications) return "applications";
    if (this.effort[slot]! + d.effort > c.effort) return "effort";
    if (this.users[slot]! + d.users > c.users) return "users";
    if (c.perSite !== Infinity) {
      for (const [site, count] of d.sites) {
        const used = this.perSite.get(site)?.[slot] ?? 0;
        if (used + count > c.perSite) return "perSite";
      }
    }
    return undefined;
  }

  /** The first slot at or after `slot` with room for at least one more application (slotCount when none). */
  firstOpenFrom(slot: number): number {
    return this.open.firstFrom(slot);
  }

  /** Book `d` into `slot`. */
  add(slot: number, d: Demand): void {
    this.applications[slot]! += d.applications;
    this.effort[slot]! += d.effort;
    this.users[slot]! += d.users;
    for (const [site, count] of d.sites) {
      let arr = this.perSite.get(site);
      if (!arr) this.perSite.set(site, (arr = new Int32Array(this.slotCount)));
      arr[slot]! += count;
    }
    if (this.applications[slot]! >= this.cap.applications) this.open.close(slot);
  }
}
