import { comparePrefixes, type IpPrefix } from "./prefix.js";

/** Anything carrying a prefix: a legacy network, a target VNet, a site allocation… */
export interface Ranged<T> {
  prefix: IpPrefix;
  item: T;
}

/**
 * Every pair of overlapping entries, in one sweep over entries sorted by start address.
 * CIDR prefixes are either disjoint or nested, so the entries still "open" at any point form
 * a chain of nested prefixes: a stack. Cost is O(n log n + pairs), so 10k+ networks are cheap.
 * Each pair is `[outer, inner]` (the first contains the second, or they are equal).
 */
export function findOverlaps<T>(entries: readonly Ranged<T>[]): [Ranged<T>, Ranged<T>][] {
  const sorted = [...entries].sort((a, b) => comparePrefixes(a.prefix, b.prefix));
  const open: Ranged<T>[] = [];
  const pairs: [Ranged<T>, Ranged<T>][] = [];
  for (const cur of sorted) {
    while (open.length > 0) {
      const top = open[open.length - 1]!;
      if (top.prefix.family === cur.prefix.family && top.prefix.end >= cur.prefix.start) break;
      open.pop();
    }
    for (const outer of open) pairs.push([outer, cur]);
    open.push(cur);
  }
  return pairs;
}

/**
 * Pairs where an entry of `a` overlaps an entry of `b` (never two of the same side), in the
 * same sweep. Returned as `[fromA, fromB]`.
 */
export function findCrossOverlaps<A, B>(a: readonly Ranged<A>[], b: readonly Ranged<B>[]): [Ranged<A>, Ranged<B>][] {
  type Tagged = { side: "a"; entry: Ranged<A> } | { side: "b"; entry: Ranged<B> };
  const all: Ranged<Tagged>[] = [
    ...a.map((entry) => ({ prefix: entry.prefix, item: { side: "a" as const, entry } })),
    ...b.map((entry) => ({ prefix: entry.prefix, item: { side: "b" as const, entry } })),
  ];
  const out: [Ranged<A>, Ranged<B>][] = [];
  for (const [x, y] of findOverlaps(all)) {
    if (x.item.side === "a" && y.item.side === "b") out.push([x.item.entry, y.item.entry]);
    else if (x.item.side === "b" && y.item.side === "a") out.push([y.item.entry, x.item.entry]);
  }
  return out;
}
