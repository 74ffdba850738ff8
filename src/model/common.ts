import { z } from "zod";
import { Address4, Address6 } from "ip-address";

/** Every YAML document ferry reads carries this header. */
export const API_VERSION = "ferry/v1";

/** Ids are lowercase, start with a letter or digit, and may contain dashes. */
export const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a lowercase id: letters, digits and dashes (e.g. revs-nbc)");

/** `YYYY-MM-DD`; {@link isRealDate} then checks the day exists. */
export const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

/** ISO calendar date `YYYY-MM-DD`, checked to be a real day (no 2027-02-30). */
export const IsoDate = z.string().superRefine((s, ctx) => {
  if (!isoDate.exec(s)) ctx.addIssue({ code: "custom", message: "must be a date as YYYY-MM-DD" });
  else if (!isRealDate(s)) ctx.addIssue({ code: "custom", message: "is not a real date (that month has no such day)" });
});

/** Whether `YYYY-MM-DD` (already matched by the pattern) names a day of the proleptic Gregorian calendar. */
export function isRealDate(s: string): boolean {
  // Arithmetic, not a Date: a 100k estate has 100k+ dates, and a Date plus toISOString each costs more than the rest of the check.
  const year = Number(s.slice(0, 4));
  const month = Number(s.slice(5, 7));
  const day = Number(s.slice(8, 10));
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}

/** Wall-clock time `HH:MM` (24-hour). */
export const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a time as HH:MM");

const durationPart = /(\d+)(ms|s|m|h|d)/g;
const durationWhole = /^(\d+(ms|s|m|h|d))+$/;
const unitMs: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration string such as `30s`, `5m`, `1h30m`. Assumes a valid string. */
export function durationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(durationPart)) total += Number(m[1]) * unitMs[m[2]!]!;
  return total;
}

/** Duration string: `30s`, `5m`, `2h`, `1h30m`, `250ms`. */
export const Duration = z
  .string()
  .regex(durationWhole, "must be a duration such as 30s, 5m or 2h");

/** Render milliseconds back as a short duration, for messages. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A plain dotted-quad IPv4 address without leading zeros: the only text the fast paths below read. */
const DOTTED_QUAD = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/**
 * The value of a plain dotted-quad IPv4 address, or undefined for any other text (IPv6, a
 * prefix, leading zeros), which callers hand to ip-address. Host addresses are nearly always
 * plain IPv4, a big estate has 100k of them, and ip-address costs microseconds per parse.
 */
export function dottedQuadValue(text: string): number | undefined {
  const m = DOTTED_QUAD.exec(text);
  return m ? ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]) : undefined;
}

/** Parse an IPv4 or IPv6 address, or undefined when it is not one. */
export function parseAddress(text: string): Address4 | Address6 | undefined {
  if (text.includes("/")) return undefined;
  if (Address4.isValid(text)) return new Address4(text);
  if (Address6.isValid(text)) return new Address6(text);
  return undefined;
}

/** An IPv4 or IPv6 address without a prefix length. */
export const IpAddress = z.string().refine((s) => dottedQuadValue(s) !== undefined || parseAddress(s) !== undefined, "must be an IPv4 or IPv6 address");

/**
 * Parse a prefix like `10.1.10.0/24`. Returns an error text when it is malformed or has host
 * bits set, because a prefix written as 10.1.10.5/24 is almost always a typo for a host.
 */
export function checkPrefix(text: string): string | undefined {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  if (!m) return "must be a prefix such as 10.1.10.0/24 or 2001:db8::/48";
  const [, addr, len] = m as unknown as [string, string, string];
  const v4 = Address4.isValid(addr);
  if (!v4 && !Address6.isValid(addr)) return "must be a prefix such as 10.1.10.0/24 or 2001:db8::/48";
  const bits = Number(len);
  if (bits > (v4 ? 32 : 128)) return `prefix length /${bits} is too long for ${v4 ? "IPv4" : "IPv6"}`;
  const parsed = v4 ? new Address4(text) : new Address6(text);
  const network = parsed.startAddress().correctForm();
  const given = v4 ? new Address4(addr).correctForm() : new Address6(addr).correctForm();
  if (network !== given) return `has host bits set; the network is ${network}/${bits}`;
  return undefined;
}

/** An IPv4 or IPv6 network prefix with its host bits clear. */
export const Prefix = z.string().superRefine((s, ctx) => {
  const problem = checkPrefix(s);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

/** Free-form label map handed to runbooks (`params`), string to string. */
export const StringMap = z.record(z.string(), z.string());

/** Inclusive address range of a prefix or single address, as integers, for overlap sweeps. */
export interface AddressRange {
  v6: boolean;
  start: bigint;
  end: bigint;
}

/** Range of a valid prefix (`10.1.0.0/16`) or address (`10.1.0.5`). Assumes validated input. */
export function rangeOf(text: string): AddressRange {
  const quad = dottedQuadValue(text);
  if (quad !== undefined) {
    const value = BigInt(quad);
    return { v6: false, start: value, end: value };
  }
  const v6 = text.includes(":");
  const a = v6 ? new Address6(text) : new Address4(text);
  return { v6, start: a.startAddress().bigInt(), end: a.endAddress().bigInt() };
}

/** True when two ranges share at least one address (same family only). */
export function rangesOverlap(a: AddressRange, b: AddressRange): boolean {
  return a.v6 === b.v6 && a.start <= b.end && b.start <= a.end;
}
