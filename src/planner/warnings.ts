import { dottedQuadValue } from "../model/common.js";
import type { Dataset, Estate } from "../model/estate.js";
import type { PlanWarning } from "../model/plan.js";
import type { StackTarget } from "../model/stack.js";
import { contains, legacyOverlaps, parsePrefix, type IpPrefix } from "../network/index.js";
import type { AppFacts } from "./facts.js";
import type { OrderCycle } from "./groups.js";

function list(ids: readonly string[], max = 8): string {
  return ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
}

/**
 * `dependency-cycle`: one warning per group holding an order cycle, naming the applications
 * on it. A cycle that forced the merge gets advice on moving them apart; one inside a
 * together-group changes nothing in the plan but still means nobody knows which should go first.
 */
export function cycleWarnings(cycles: readonly OrderCycle[], facts: readonly AppFacts[]): PlanWarning[] {
  return cycles.map((c) => {
    const ids = c.members.map((i) => facts[i]!.app.id);
    const message = c.merged
      ? `${list(ids)} depend on each other in a cycle, so they are planned as one group in one wave; break the cycle (or mark a link \`order: none\`) to move them separately`
      : `${list(ids)} depend on each other in a cycle; together-links already keep them in one wave, so the plan is unaffected, but which one goes first is undefined: mark one of the links \`order: none\``;
    return { code: "dependency-cycle", message, applications: ids };
  });
}

/**
 * `retention-expired`: a data set to be migrated whose `retainUntil` has passed by the date of
 * its application's wave. Migrating data past its retention is what the schedule forbids.
 */
export function retentionWarnings(datasets: readonly Dataset[], waveOf: ReadonlyMap<string, { number: number; date: string }>): PlanWarning[] {
  const out: PlanWarning[] = [];
  for (const d of datasets) {
    if (d.decision !== "migrate" || !d.retainUntil) continue;
    const wave = waveOf.get(d.application);
    if (!wave || d.retainUntil >= wave.date) continue;
    out.push({
      code: "retention-expired",
      message: `data set ${d.id} (${d.sizeGb} GB) of ${d.application} is to be migrated in wave ${wave.number} on ${wave.date}, but its retention ended on ${d.retainUntil}: decide archive or destroy instead`,
      applications: [d.application],
    });
  }
  return out;
}

/** A colliding legacy network, with its IPv4 range as plain numbers for the host look-ups. */
interface CollidingNetwork {
  id: string;
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
 * `reip-required`: one warning per legacy network that collides with another legacy network
 * or the target address plan, naming the planned applications whose hosts sit in it.
 * Retired applications are left out: a server being switched off needs no new address.
 */
export function reipWarnings(estate: Estate, facts: readonly AppFacts[], target?: StackTarget): PlanWarning[] {
  const collisions = legacyOverlaps(estate, target);
  if (collisions.size === 0) return [];
  const bySite = new Map<string, CollidingNetwork[]>();
  for (const n of estate.networks) {
    if (!collisions.has(n.id)) continue;
    const prefix = parsePrefix(n.prefix);
    if (!prefix) continue;
    let nets = bySite.get(n.site);
    if (!nets) bySite.set(n.site, (nets = []));
    const v4 = prefix.family === 4;
    nets.push({ id: n.id, prefix, first: v4 ? Number(prefix.start) : NaN, last: v4 ? Number(prefix.end) : NaN });
  }
  const hosts = new Map(estate.hosts.map((h) => [h.id, h]));
  const appsOn = new Map<string, Set<string>>();
  for (const f of facts) {
    if (f.retiring) continue;
    for (const hostId of f.app.hosts) {
      const host = hosts.get(hostId);
      const nets = host && bySite.get(host.site);
      if (!host || !nets) continue;
      const parsed: { value?: IpPrefix | null } = {};
      for (const net of nets) {
        if (!hostIn(net, host.address, parsed)) continue;
        let apps = appsOn.get(net.id);
        if (!apps) appsOn.set(net.id, (apps = new Set()));
        apps.add(f.app.id);
      }
    }
  }
  const networks = new Map(estate.networks.map((n) => [n.id, n]));
  const byPrefix = new Map<string, { id: string; prefix: string; site: string }[]>();
  for (const n of estate.networks) {
    let list = byPrefix.get(n.prefix);
    if (!list) byPrefix.set(n.prefix, (list = []));
    list.push(n);
  }
  return [...appsOn.keys()].sort().map((id) => {
    const net = networks.get(id)!;
    const apps = [...appsOn.get(id)!].sort();
    const others = collisions.get(id)!;
    return {
      code: "reip-required",
      message: `network ${id} (${net.prefix} at ${net.site}) overlaps ${others.map((p) => describeCollision(p, id, byPrefix)).join(", ")}; re-address it before moving ${list(apps)}`,
      applications: apps,
      prefixes: [net.prefix, ...others.filter((p) => p !== net.prefix)],
    };
  });
}

/** Name what a colliding prefix is: another legacy network (by id and site) or the target plan. */
function describeCollision(prefix: string, self: string, byPrefix: ReadonlyMap<string, readonly { id: string; prefix: string; site: string }[]>): string {
  const legacy = (byPrefix.get(prefix) ?? []).filter((n) => n.id !== self).map((n) => `${n.id} ${n.prefix} at ${n.site}`);
  return legacy.length ? `legacy network ${legacy.join(" and ")}` : `target ${prefix}`;
}
