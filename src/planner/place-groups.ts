import type { Capacity } from "../model/estate.js";
import type { Slot } from "./calendar.js";
import { dateIn } from "./calendar.js";
import { SlotLoads, type Demand, type Dimension } from "./capacity.js";
import type { AppFacts } from "./facts.js";
import { orderLink, type Group, type GroupEdges, type OrderLink, type OrderLinks } from "./groups.js";

/** Where each group went: a slot index, or -1 with a reason. */
export interface Placement {
  /** Slot index (into the usable slots) per group index; -1 when unplaced. */
  slotOf: Int32Array;
  /** Why each unplaced group could not be placed, in words a change board understands. */
  reasons: Map<number, string>;
}

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
export function placementOrder(groups: readonly Group[], edges: GroupEdges, facts: readonly AppFacts[]): number[] {
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

/** Options of {@link placeGroups}. */
export interface PlaceOptions {
  /** The constraints between groups and the links behind them, from buildGroups. */
  edges: GroupEdges;
  links: OrderLinks;
  slots: readonly Slot[];
  capacity: Capacity;
  /** Groups that must not be placed at all (e.g. a runbook is missing), with the reason. */
  blocked?: ReadonlyMap<number, string>;
}

interface Blackout {
  from: string;
  to: string;
  reason: string;
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
function noSlotReason(from: number, slots: readonly Slot[], loads: SlotLoads, d: Demand, blackouts: readonly Blackout[], afterPrereqs: boolean): string {
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
      blackoutReasons.add(b.reason);
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
 * when it is not before any prerequisite group's slot, no member's blackout covers its date and
 * the wave has capacity left. Because groups are placed in a topological order and only ever
 * at or after their prerequisites, no order constraint can be broken: a group whose
 * prerequisite is unplaced is unplaced too, with a reason naming it.
 */
export function placeGroups(groups: readonly Group[], facts: readonly AppFacts[], options: PlaceOptions): Placement {
  const { slots } = options;
  const loads = new SlotLoads(slots.length, options.capacity);
  const slotOf = new Int32Array(groups.length).fill(-1);
  const reasons = new Map<number, string>();

  const { edges, links } = options;
  for (const g of placementOrder(groups, edges, facts)) {
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
    const demand = groupDemand(group, facts);
    const tooBig = loads.oversize(demand);
    if (tooBig) {
      reasons.set(g, tooBig);
      continue;
    }
    const blackouts: Blackout[] = [];
    for (const m of group.members) blackouts.push(...facts[m]!.app.blackouts);

    let found = -1;
    for (let s = loads.firstOpenFrom(lb); s < slots.length; s = loads.firstOpenFrom(s + 1)) {
      const date = slots[s]!.date;
      if (blackouts.length > 0 && blackouts.some((b) => dateIn(date, b))) continue;
      if (loads.blocking(s, demand) === undefined) {
        found = s;
        break;
      }
    }
    if (found < 0) {
      reasons.set(g, noSlotReason(lb, slots, loads, demand, blackouts, edges.predStart[g + 1]! > edges.predStart[g]! && lb > 0));
      continue;
    }
    loads.add(found, demand);
    slotOf[g] = found;
  }
  return { slotOf, reasons };
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
