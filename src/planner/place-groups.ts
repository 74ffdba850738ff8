import type { Capacity } from "../model/estate.js";
import type { Slot } from "./calendar.js";
import { dateIn, type ResolvedBlackout } from "./calendar.js";
import { SlotLoads, type Demand, type Dimension } from "./capacity.js";
import type { AppFacts } from "./facts.js";
import type { SlotTimes } from "./window-fit.js";
import { orderLink, type Group, type GroupEdges, type OrderLink, type OrderLinks } from "./groups.js";

const CRITICALITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3 };
const NO_DEADLINE = "9999-12-31";

/**
 * The order groups are placed in: a topological order of the group DAG with a deterministic
 * priority. Priority: earliest site exit date, then highest criticality, then smallest
 * application id. A group inherits the urgency of every group that must follow it, so a
 * prerequisite of a deadline-bound application is placed as early as the application itself
 * needs. Sorting by (inherited deadline, inherited criticality, generation, first id) is a
 * valid topological order: along every constraint the first two never decrease and the
 * generation strictly increases.
 */
export function placementOrder(groups: readonly Group[], edges: GroupEdges, facts: readonly AppFacts[], inheritedDeadline?: string[]): number[] {
  // Deadlines become ranks among the distinct dates, so the sort below compares numbers only.
  const dates = [...new Set(facts.map((f) => f.deadline?.closes ?? NO_DEADLINE)), NO_DEADLINE].sort();
  const rankOf = new Map(dates.map((d, i) => [d, i]));
  const noDeadline = rankOf.get(NO_DEADLINE)!;
  const deadline = new Int32Array(groups.length);
  const crit = new Int32Array(groups.length);
  const generation = new Int32Array(groups.length);
  for (const g of groups) {
    let d = noDeadline;
    let r = 3;
    for (const m of g.members) {
      const f = facts[m]!;
      if (f.deadline) d = Math.min(d, rankOf.get(f.deadline.closes)!);
      r = Math.min(r, CRITICALITY_RANK[f.app.criticality] ?? 3);
    }
    deadline[g.index] = d;
    crit[g.index] = r;
    generation[g.index] = g.generation;
  }
  const byGenerationDesc = groups.map((g) => g.index).sort((a, b) => generation[b]! - generation[a]! || a - b);
  for (const g of byGenerationDesc) {
    for (let i = edges.succStart[g]!; i < edges.succStart[g + 1]!; i++) {
      const s = edges.succGroup[i]!;
      if (deadline[s]! < deadline[g]!) deadline[g] = deadline[s]!;
      if (crit[s]! < crit[g]!) crit[g] = crit[s]!;
    }
  }
  if (inheritedDeadline) for (const g of groups) inheritedDeadline[g.index] = dates[deadline[g.index]!]!;
  return groups.map((g) => g.index).sort((a, b) => deadline[a]! - deadline[b]! || crit[a]! - crit[b]! || generation[a]! - generation[b]! || a - b);
}

/** The sum of a group's members' demands on a wave. */
export function groupDemand(group: Group, facts: readonly AppFacts[]): Demand {
  const d: Demand = { applications: 0, effort: 0, users: 0, sites: new Map() };
  for (const m of group.members) {
    const f = facts[m]!;
    d.applications++;
    d.effort += f.app.effort;
    d.users += f.app.users;
    if (f.site !== null) d.sites.set(f.site, (d.sites.get(f.site) ?? 0) + 1);
  }
  return d;
}

/** A network whose re-addressing the plan schedules (see reip.ts); placement needs only this. */
export interface ReipNeed {
  /** Source site of the network: the re-IP counts against that site's `perSite` capacity. */
  site: string;
  /** Date of the wave that already holds this re-IP (a kept wave), if any. */
  fixedDate?: string;
  /** Only kept applications need it: book it before any group, as early as there is room. */
  bookFirst?: boolean;
}

/** Options of {@link placeGroups}. */
export interface PlaceOptions {
  /** The constraints between groups and the links behind them, from buildGroups. */
  edges: GroupEdges;
  links: OrderLinks;
  /** The slots new groups may take: the calendar's, less the dates of kept waves. */
  slots: readonly Slot[];
  capacity: Capacity;
  /** Groups that must not be placed at all (e.g. a runbook is missing), with the reason. */
  blocked?: ReadonlyMap<number, string>;
  /** Per group, a date its slot must come after (a prerequisite in a kept wave). */
  after?: ReadonlyMap<number, string>;
  /** Networks to re-address, and per group the networks (indices) its members need re-addressed. */
  reip?: { networks: readonly ReipNeed[]; needs: ReadonlyMap<number, readonly number[]> };
  /**
   * Window fit: a group goes to the earliest feasible slot whose wave still fits its window at
   * P90 with it, when there is one on or before the deadline of the group and of every group
   * that must follow it; else to the earliest feasible slot, as without timing.
   */
  time?: SlotTimes;
}

/** Where each group went: a slot index, or -1 with a reason. */
export interface Placement {
  /** Slot index (into the usable slots) per group index; -1 when unplaced. */
  slotOf: Int32Array;
  /** Why each unplaced group could not be placed, in words a change board understands. */
  reasons: Map<number, string>;
  /** Groups a blackout pushed out of an earlier wave that had room: the blackout and that wave's date. */
  deferred: Map<number, { blackout: ResolvedBlackout; date: string }>;
  /** Slot of each network's re-IP (index into `reip.networks`); -1 when it could not be placed, -2 when a kept wave holds it. */
  reipSlot: Int32Array;
  /** Groups placed before (or with) a re-IP they need, and why: their deadline, or no room for the re-IP first. */
  aheadOfReip: Map<number, "deadline" | "capacity">;
}

const NO_DATE = "9999-12-31";

/** The first slot index whose date is after `date` (slots.length when none). */
function firstSlotAfter(slots: readonly Slot[], date: string): number {
  let lo = 0;
  let hi = slots.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (slots[mid]!.date > date) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** How many fellow members an unplaced application's reason names. */
const NAMES_SHOWN = 5;

/** Why an unplaced prerequisite group stops this one, phrased from the link's point of view. */
function blockedBy(link: OrderLink, facts: readonly AppFacts[]): string {
  const dependent = facts[link.dependent]!.app.id;
  const dependency = facts[link.dependency]!.app.id;
  if (link.before === link.dependency) return `depends on ${dependency}, which is unplaced, and must not move before it`;
  return `is retired only after ${dependent} (which depends on it) has moved, and ${dependent} is unplaced`;
}

const DIMENSION_WORDS: Record<Dimension, string> = {
  applications: "applications",
  effort: "effort",
  users: "users",
  perSite: "applications per site",
};

/** Explain why no slot from `from` on could take a group. Runs only for groups that failed. */
function noSlotReason(from: number, slots: readonly Slot[], loads: SlotLoads, d: Demand, blackouts: readonly ResolvedBlackout[], afterPrereqs: boolean): string {
  if (from >= slots.length) return `no wave after its prerequisites' wave is left within the horizon (${slots[slots.length - 1]?.date ?? "none"})`;
  const start = afterPrereqs ? `from its prerequisites' wave on ${slots[from]!.date}` : `from ${slots[from]!.date}`;
  const end = slots[slots.length - 1]!.date;
  if (loads.firstOpenFrom(from) >= slots.length) return `no wave ${start} to the end of the horizon (${end}) has room: every one is full`;
  let blackedOut = 0;
  const blackoutReasons = new Set<string>();
  const full = new Map<Dimension, number>();
  for (let s = from; s < slots.length; s++) {
    const b = blackouts.find((x) => dateIn(slots[s]!.date, x));
    if (b) {
      blackedOut++;
      blackoutReasons.add(b.event ? `${b.event}: ${b.reason}` : b.reason);
      continue;
    }
    const dim = loads.blocking(s, d) ?? "applications";
    full.set(dim, (full.get(dim) ?? 0) + 1);
  }
  const parts: string[] = [];
  if (blackedOut > 0) parts.push(`${blackedOut} fall in its blackouts (${[...blackoutReasons].sort().join("; ")})`);
  if (full.size > 0) parts.push(`${[...full.values()].reduce((a, b) => a + b, 0)} have no room left (${[...full].map(([k, v]) => `${DIMENSION_WORDS[k]}: ${v}`).join(", ")})`);
  return `no wave ${start} to the end of the horizon (${end}) can take it: ${parts.join("; ")}`;
}

/**
 * Place every group at the earliest feasible slot, in {@link placementOrder}. A slot is feasible
 * when it is not before any prerequisite group's slot (nor on or before a kept prerequisite's
 * date), no member's blackout covers its date and the wave has capacity left. Because groups
 * are placed in a topological order and only ever at or after their prerequisites, no order
 * constraint can be broken: a group whose prerequisite is unplaced is unplaced too, with a
 * reason naming it.
 *
 * Re-addressing: a group whose members sit on a network that must be re-addressed is placed in a
 * slot after that network's re-IP; the first such group books the re-IP in the earliest slot
 * before it with room at the network's site (`perSite`). When waiting for the re-IP would miss
 * the group's deadline, or no slot before it has room for the re-IP, the group is placed as if
 * there were none and recorded in `aheadOfReip` (the plan warns, naming NAT as the interim).
 */
export function placeGroups(groups: readonly Group[], facts: readonly AppFacts[], options: PlaceOptions): Placement {
  const { slots } = options;
  const loads = new SlotLoads(slots.length, options.capacity);
  const slotOf = new Int32Array(groups.length).fill(-1);
  const reasons = new Map<number, string>();
  const deferred = new Map<number, { blackout: ResolvedBlackout; date: string }>();
  const aheadOfReip = new Map<number, "deadline" | "capacity">();
  const networks = options.reip?.networks ?? [];
  const reipSlot = new Int32Array(networks.length).fill(-1);
  networks.forEach((n, i) => {
    if (n.fixedDate !== undefined) reipSlot[i] = -2;
  });
  const reipDemand = (site: string): Demand => ({ applications: 0, effort: 0, users: 0, sites: new Map([[site, 1]]) });
  /** The first slot, from `from` and before `before`, with room for one more change at `site` (counting `extra` tentative ones). */
  const reipRoom = (site: string, before: number, extra: number): number => {
    for (let r = 0; r < before; r++) {
      const d = reipDemand(site);
      d.sites.set(site, 1 + extra);
      if (loads.blocking(r, d) === undefined) return r;
    }
    return -1;
  };

  networks.forEach((n, i) => {
    if (!n.bookFirst || n.fixedDate !== undefined) return;
    const r = reipRoom(n.site, slots.length, 0);
    reipSlot[i] = r;
    if (r >= 0) loads.add(r, reipDemand(n.site));
  });

  const { edges, links } = options;
  const time = options.time;
  const inherited: string[] = [];
  for (const g of placementOrder(groups, edges, facts, time ? inherited : undefined)) {
    const group = groups[g]!;
    const blocked = options.blocked?.get(g);
    if (blocked !== undefined) {
      reasons.set(g, blocked);
      continue;
    }
    let lb = 0;
    let stoppedBy = -1;
    for (let i = edges.predStart[g]!; i < edges.predStart[g + 1]!; i++) {
      const s = slotOf[edges.predGroup[i]!]!;
      if (s < 0) {
        stoppedBy = edges.predLink[i]!;
        break;
      }
      if (s > lb) lb = s;
    }
    if (stoppedBy >= 0) {
      reasons.set(g, blockedBy(orderLink(links, stoppedBy), facts));
      continue;
    }
    if (slots.length === 0) {
      reasons.set(g, "the calendar has no usable wave slot within its horizon (every slot falls in a freeze)");
      continue;
    }
    const after = options.after?.get(g);
    if (after !== undefined) lb = Math.max(lb, firstSlotAfter(slots, after));
    const demand = groupDemand(group, facts);
    const tooBig = loads.oversize(demand);
    if (tooBig) {
      reasons.set(g, tooBig);
      continue;
    }
    const blackouts: ResolvedBlackout[] = [];
    let deadline = NO_DATE;
    for (const m of group.members) {
      const f = facts[m]!;
      if (f.blackouts.length) blackouts.push(...f.blackouts);
      if (f.deadline && f.deadline.closes < deadline) deadline = f.deadline.closes;
    }

    /** The earliest feasible slot from `from`, optionally needing room for the unbooked re-IPs before it. */
    const search = (from: number, unbooked: readonly number[]): { slot: number; reips: number[]; skipped?: { blackout: ResolvedBlackout; date: string } } | undefined => {
      let skipped: { blackout: ResolvedBlackout; date: string } | undefined;
      // With the window in mind, also skip waves whose time is used up (both skips only move forward).
      const next = (at: number) => {
        let s = loads.firstOpenFrom(at);
        if (timed) for (let t = time!.openFrom(s); t !== s; t = time!.openFrom(s)) s = loads.firstOpenFrom(t);
        return s;
      };
      for (let s = next(from); s < slots.length; s = next(s + 1)) {
        const date = slots[s]!.date;
        if (loads.blocking(s, demand) !== undefined) continue;
        if (timed && !time!.fits(s, group.members)) continue;
        const b = blackouts.length > 0 ? blackouts.find((x) => dateIn(date, x)) : undefined;
        if (b) {
          skipped ??= { blackout: b, date };
          continue;
        }
        const reips: number[] = [];
        const perSite = new Map<string, number>();
        for (const n of unbooked) {
          const site = networks[n]!.site;
          const r = reipRoom(site, s, perSite.get(site) ?? 0);
          if (r < 0) break;
          reips.push(r);
          perSite.set(site, (perSite.get(site) ?? 0) + 1);
        }
        if (reips.length < unbooked.length) continue;
        return { slot: s, reips, ...(skipped ? { skipped } : {}) };
      }
      return undefined;
    };

    // First with the window in mind, up to the deadline this group and its followers share; then without.
    const timedUntil = time ? inherited[g]! : NO_DATE;
    let timed = time !== undefined;
    const needs = options.reip?.needs.get(g) ?? [];
    let reipLb = lb;
    const unbooked: number[] = [];
    for (const n of needs) {
      const net = networks[n]!;
      if (net.fixedDate !== undefined) reipLb = Math.max(reipLb, firstSlotAfter(slots, net.fixedDate));
      else if (reipSlot[n]! >= 0) reipLb = Math.max(reipLb, reipSlot[n]! + 1);
      else unbooked.push(n);
    }
    const choose = () => {
      let found = needs.length ? search(reipLb, unbooked) : search(lb, []);
      let ahead: "deadline" | "capacity" | undefined;
      if (needs.length && (!found || slots[found.slot]!.date > deadline)) {
        const plain = search(lb, []);
        if (plain && (!found || slots[plain.slot]!.date <= deadline)) {
          ahead = found ? "deadline" : "capacity";
          found = plain;
        }
      }
      return { found, ahead };
    };
    let { found, ahead } = choose();
    if (timed && (!found || slots[found.slot]!.date > timedUntil)) {
      timed = false;
      ({ found, ahead } = choose());
    }
    if (!found) {
      reasons.set(g, noSlotReason(lb, slots, loads, demand, blackouts, edges.predStart[g + 1]! > edges.predStart[g]! && lb > 0));
      continue;
    }
    loads.add(found.slot, demand);
    time?.add(found.slot, group.members);
    if (ahead) {
      aheadOfReip.set(g, ahead);
      // The re-IPs still happen, as early as there is room: after this group, or with it.
      const perSite = new Map<string, number>();
      for (const n of unbooked) {
        const site = networks[n]!.site;
        const r = reipRoom(site, slots.length, perSite.get(site) ?? 0);
        found.reips.push(r);
        perSite.set(site, (perSite.get(site) ?? 0) + 1);
      }
    }
    unbooked.forEach((n, i) => {
      const r = found.reips[i]!;
      reipSlot[n] = r;
      if (r >= 0) loads.add(r, reipDemand(networks[n]!.site));
    });
    slotOf[g] = found.slot;
    if (found.skipped) deferred.set(g, found.skipped);
  }
  return { slotOf, reasons, deferred, reipSlot, aheadOfReip };
}

/** The reason each member of an unplaced group gets: the group's, plus who it moves with. */
export function memberReason(group: Group, facts: readonly AppFacts[], reason: string, self: number): string {
  if (group.members.length === 1) return reason;
  // Only the first few names are shown: collecting all of them for every member of a large
  // unplaced group would be quadratic.
  const others = group.members.length - 1;
  const shown: string[] = [];
  for (const m of group.members) {
    if (shown.length === NAMES_SHOWN) break;
    if (m !== self) shown.push(facts[m]!.app.id);
  }
  const who = others <= NAMES_SHOWN ? shown.join(", ") : `${shown.join(", ")} and ${others - NAMES_SHOWN} more`;
  return `${reason} (moves in one wave with ${who}, group ${group.id})`;
}
