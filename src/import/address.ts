import { dottedQuadValue, parseAddress } from "../model/common.js";

/**
 * The address to reach a server by, from a cell that may hold several (`10.1.10.5, fe80::1`,
 * `10.1.10.5;10.2.0.5`): the first IPv4 that is not link-local or loopback, else the first
 * global IPv6, else undefined.
 */
export function firstAddress(text: string): string | undefined {
  const parts = text.split(/[\s,;|]+/).map((p) => p.trim()).filter(Boolean);
  const v4 = parts.find((p) => dottedQuadValue(p) !== undefined && !p.startsWith("169.254.") && !p.startsWith("127.") && p !== "0.0.0.0");
  if (v4) return v4;
  return parts.find((p) => p.includes(":") && !/^fe80:/i.test(p) && p !== "::1" && parseAddress(p) !== undefined);
}
