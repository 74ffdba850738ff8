import { Address4, Address6 } from "ip-address";

/** An IP prefix as an inclusive range of integers, so comparisons are BigInt arithmetic. */
export interface IpPrefix {
  /** Canonical text, e.g. `10.1.0.0/16` or `2001:db8::/48`. */
  text: string;
  family: 4 | 6;
  /** Prefix length in bits. */
  length: number;
  /** First and last address of the range, inclusive. */
  start: bigint;
  end: bigint;
}

/** Address width in bits for a family. */
export function familyBits(family: 4 | 6): number {
  return family === 4 ? 32 : 128;
}

/** Number of addresses in a prefix (2^(bits - length)). */
export function prefixSize(p: Pick<IpPrefix, "family" | "length">): bigint {
  return 1n << BigInt(familyBits(p.family) - p.length);
}

/** Render an address integer of a family as text (compressed form for IPv6). */
export function formatAddress(family: 4 | 6, value: bigint): string {
  return family === 4 ? Address4.fromBigInt(value).correctForm() : Address6.fromBigInt(value).correctForm();
}

/** Build a prefix from its first address and length; `start` must be aligned. */
export function makePrefix(family: 4 | 6, start: bigint, length: number): IpPrefix {
  const size = 1n << BigInt(familyBits(family) - length);
  return { text: `${formatAddress(family, start)}/${length}`, family, length, start, end: start + size - 1n };
}

/**
 * Parse `10.1.10.0/24` or `2001:db8::/48` (a bare address counts as a host prefix), or
 * undefined when the text is not a prefix. Host bits are cleared: the model rejects them
 * earlier, and analysis should not fail on a value the model let through.
 */
export function parsePrefix(text: string): IpPrefix | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf("/");
  const addr = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const lenText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  if (lenText !== undefined && !/^\d{1,3}$/.test(lenText)) return undefined;
  let family: 4 | 6;
  let value: bigint;
  if (Address4.isValid(addr) && !addr.includes("/")) {
    family = 4;
    value = new Address4(addr).bigInt();
  } else if (Address6.isValid(addr) && !addr.includes("/")) {
    family = 6;
    value = new Address6(addr).bigInt();
  } else return undefined;
  const bits = familyBits(family);
  const length = lenText === undefined ? bits : Number(lenText);
  if (length > bits) return undefined;
  const hostBits = BigInt(bits - length);
  const start = (value >> hostBits) << hostBits;
  return makePrefix(family, start, length);
}

/** Parse a prefix the model has already validated; throws on a malformed one. */
export function mustParsePrefix(text: string): IpPrefix {
  const p = parsePrefix(text);
  if (!p) throw new Error(`not an IP prefix: ${text}`);
  return p;
}

/** True when `inner` lies wholly inside `outer` (same family). */
export function contains(outer: IpPrefix, inner: IpPrefix): boolean {
  return outer.family === inner.family && outer.start <= inner.start && inner.end <= outer.end;
}

/** True when the two prefixes share any address. */
export function overlaps(a: IpPrefix, b: IpPrefix): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

/** Order by family, then start address, then larger prefix first (shorter length). */
export function comparePrefixes(a: IpPrefix, b: IpPrefix): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.length - b.length;
}
