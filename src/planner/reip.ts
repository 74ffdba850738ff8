/**
 * Re-addressing as planned changes (docs/planning.md, rule 10): every legacy network that
 * collides with another legacy network or the target address plan, and holds hosts of planned
 * applications that are not being retired, is re-addressed by the `reip-subnet` runbook in a
 * wave before the first of those applications moves.
 */
import { dottedQuadValue } from "../model/common.js";
import type { Estate } from "../model/estate.js";
import type { StackTarget } from "../model/stack.js";
import { analyseAddressPlan, contains, legacyOverlaps, parsePrefix, type IpPrefix } from "../network/index.js";
import type { AppFacts } from "./facts.js";
import { resolveRefs, type EstateRefs } from "../model/refs.js";

/** The runbook that re-addresses a network. */
export const REIP_RUNBOOK = "reip-subnet";

/** One network to re-address, with the applications that must wait for it. */
export interface ReipNetwork {
  /** The change's id in the plan: `reip-<network id>`. */
  change: string;
  network: string;
  site: string;
  prefix: string;
  /** What it collides with: other legacy prefixes and target prefixes, sorted. */
  collides: string[];
  /** The same in words: "legacy network ddc-servers 10.1.10.0/24 at abbey-centre", "target 10.97.0.0/20". */
  collidesWith: string;
  /** The prefix `ferry network` maps it to; null without a target stack or a free block. */
  newPrefix: string | null;
  /** The device the runbook runs on, from `ferry network`'s mapping; null when unknown. */
  host: string | null;
  /** Fact indices of the planned, non-retiring applications with a host in it, ascending. */
  apps: number[];
}

/** A colliding legacy network, with its IPv4 range as plain numbers for the host look-ups. */
interface CollidingNetwork {
  index: number;
  prefix: IpPrefix;
  /** First and last address as numbers when IPv4 (exact: below 2^32), else NaN. */
  first: number;
  last: number;
}

/**
 * True when the host address lies in `net`. Host addresses are nearly always plain IPv4, which
 * is read here as a number; the ip-address parser behind parsePrefix costs microseconds per call
 * and a 100k estate has 100k hosts. Anything else (IPv6, odd spellings) goes through parsePrefix.
 */
function hostIn(net: CollidingNetwork, address: string, parsed: { value?: IpPrefix | null }): boolean {
  const v = dottedQuadValue(address);
  if (v !== undefined) return net.prefix.family === 4 && net.first <= v && v <= net.last;
  if (parsed.value === undefined) parsed.value = parsePrefix(address) ?? null;
  return parsed.value !== null && contains(net.prefix, parsed.value);
}

/**
 * The networks to re-address, sorted by id, each with the applications (of `facts`) whose hosts
 * sit in it. Retirements are left out: a server being switched off needs no new address.
 * `others` are applications outside `facts` (kept from an earlier plan) to look up the same way.
 */
export function reipNetworks(estate: Estate, facts: readonly Pick<AppFacts, "app" | "retiring" | "estateIndex">[], target?: StackTarget, refs: Pick<EstateRefs, "hostStart" | "appHost"> = resolveRefs(estate)): ReipNetwork[] {
  const collisions = legacyOverlaps(estate, target);
  if (collisions.size === 0) return [];
  const list: ReipNetwork[] = [];
  const bySite = new Map<string, CollidingNetwork[]>();
  for (const n of [...estate.networks].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    const others = collisions.get(n.id);
    if (!others) continue;
    const prefix = parsePrefix(n.prefix);
    if (!prefix) continue;
    let nets = bySite.get(n.site);
    if (!nets) bySite.set(n.site, (nets = []));
    const v4 = prefix.family === 4;
    nets.push({ index: list.length, prefix, first: v4 ? Number(prefix.start) : NaN, last: v4 ? Number(prefix.end) : NaN });
    list.push({ change: `reip-${n.id}`, network: n.id, site: n.site, prefix: n.prefix, collides: others.filter((p) => p !== n.prefix), collidesWith: "", newPrefix: null, host: null, apps: [] });
  }
  const byPrefix = new Map<string, { id: string; prefix: string; site: string }[]>();
  for (const n of estate.networks) {
    let same = byPrefix.get(n.prefix);
    if (!same) byPrefix.set(n.prefix, (same = []));
    same.push(n);
  }
  for (const n of list) {
    n.collidesWith = collisions
      .get(n.network)!
      .map((p) => {
        const legacy = (byPrefix.get(p) ?? []).filter((o) => o.id !== n.network).map((o) => `${o.id} ${o.prefix} at ${o.site}`);
        return legacy.length ? `legacy network ${legacy.join(" and ")}` : `target ${p}`;
      })
      .join(", ");
  }
  facts.forEach((f, i) => {
    if (f.retiring) return;
    for (let k = refs.hostStart[f.estateIndex]!; k < refs.hostStart[f.estateIndex + 1]!; k++) {
      const host = refs.appHost[k]! >= 0 ? estate.hosts[refs.appHost[k]!] : undefined;
      const nets = host && bySite.get(host.site);
      if (!host || !nets) continue;
      const parsed: { value?: IpPrefix | null } = {};
      for (const net of nets) {
        if (!hostIn(net, host.address, parsed)) continue;
        const apps = list[net.index]!.apps;
        if (apps[apps.length - 1] !== i) apps.push(i);
      }
    }
  });
  const needed = list.filter((n) => n.apps.length > 0);
  if (needed.length > 0 && target) {
    const mapping = new Map(analyseAddressPlan(estate, target).mapping.map((r) => [r.network, r]));
    for (const n of needed) {
      const row = mapping.get(n.network);
      if (row) {
        n.newPrefix = row.newPrefix;
        n.host = row.host || null;
      }
    }
  }
  return needed;
}
