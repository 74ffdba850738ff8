import { familyBits, makePrefix, overlaps, type IpPrefix } from "./prefix.js";

interface Interval {
  start: bigint;
  end: bigint;
}

/**
 * First-fit allocation of aligned blocks inside one prefix, around ranges already in use.
 * Used ranges are kept merged and sorted, so a search jumps from gap to gap; a cursor per
 * block size remembers where the last search of that size ended (space only ever fills up,
 * so nothing before it can have become free). Deterministic: same calls, same answers.
 */
export class BlockAllocator {
  private used: Interval[] = [];
  private cursor = new Map<number, bigint>();

  constructor(readonly within: IpPrefix) {}

  /** Mark a range as taken (clipped to the allocation; ranges outside are ignored). */
  reserve(p: Pick<IpPrefix, "family" | "start" | "end">): void {
    if (!overlaps(this.within, p as IpPrefix)) return;
    const start = p.start < this.within.start ? this.within.start : p.start;
    const end = p.end > this.within.end ? this.within.end : p.end;
    // Find the first interval that could merge (its end reaches start - 1).
    const i = this.firstEndingAtOrAfter(start - 1n);
    let s = start;
    let e = end;
    let j = i;
    while (j < this.used.length && this.used[j]!.start <= end + 1n) {
      if (this.used[j]!.start < s) s = this.used[j]!.start;
      if (this.used[j]!.end > e) e = this.used[j]!.end;
      j++;
    }
    this.used.splice(i, j - i, { start: s, end: e });
  }

  /**
   * A free aligned block of `length` bits, reserved; undefined when there is no room. With
   * `preferOffsetOf`, the block at the same offset inside the allocation as that prefix has
   * inside a block of the allocation's size is taken when free (10.1.10.0/24 → 10.104.10.0/24
   * in 10.104.0.0/16), so hosts keep their low octets; otherwise the first free block.
   */
  allocate(length: number, preferOffsetOf?: IpPrefix): IpPrefix | undefined {
    const { family } = this.within;
    if (length < this.within.length || length > familyBits(family)) return undefined;
    const size = 1n << BigInt(familyBits(family) - length);
    if (preferOffsetOf && preferOffsetOf.family === family) {
      const span = this.within.end - this.within.start + 1n;
      const preferred = this.within.start + (((preferOffsetOf.start % span) / size) * size);
      if (this.isFree(preferred, size)) {
        const block = makePrefix(family, preferred, length);
        this.reserve(block);
        return block;
      }
    }
    let candidate = this.cursor.get(length) ?? this.within.start;
    while (candidate + size - 1n <= this.within.end) {
      const k = this.firstEndingAtOrAfter(candidate);
      const blocker = this.used[k];
      if (!blocker || blocker.start > candidate + size - 1n) {
        const block = makePrefix(family, candidate, length);
        this.cursor.set(length, candidate + size);
        this.reserve(block);
        return block;
      }
      // Jump to the first aligned start after the blocking range.
      candidate = ((blocker.end + 1n + size - 1n) / size) * size;
    }
    this.cursor.set(length, candidate);
    return undefined;
  }

  private isFree(start: bigint, size: bigint): boolean {
    if (start < this.within.start || start + size - 1n > this.within.end) return false;
    const blocker = this.used[this.firstEndingAtOrAfter(start)];
    return !blocker || blocker.start > start + size - 1n;
  }

  /** Addresses in use inside the allocation. */
  usedAddresses(): bigint {
    let total = 0n;
    for (const r of this.used) total += r.end - r.start + 1n;
    return total;
  }

  /** Index of the first used interval whose end is >= value (binary search; ends are sorted). */
  private firstEndingAtOrAfter(value: bigint): number {
    let lo = 0;
    let hi = this.used.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.used[mid]!.end < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Addresses covered by the union of the prefixes (nested or repeated ones counted once). */
export function unionSize(prefixes: readonly IpPrefix[]): bigint {
  const sorted = [...prefixes].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  let total = 0n;
  let curStart: bigint | undefined;
  let curEnd = 0n;
  for (const p of sorted) {
    if (curStart === undefined || p.start > curEnd + 1n) {
      if (curStart !== undefined) total += curEnd - curStart + 1n;
      curStart = p.start;
      curEnd = p.end;
    } else if (p.end > curEnd) curEnd = p.end;
  }
  if (curStart !== undefined) total += curEnd - curStart + 1n;
  return total;
}
