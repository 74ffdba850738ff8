import type { Estate, Network } from "../model/estate.js";
import type { StackTarget } from "../model/stack.js";
import { BlockAllocator, unionSize } from "./allocator.js";
import { findCrossOverlaps, findOverlaps, type Ranged } from "./overlaps.js";
import { contains, parsePrefix, prefixSize, type IpPrefix } from "./prefix.js";
import { subnetSizeProblem } from "./sizing.js";
import { allocationLevel, targetPrefixes, type TargetPrefix } from "./target.js";

/** Finding codes of the address-plan analysis (registered in src/model/codes.ts). */
export type AddressCode =
  | "network-overlap"
  | "target-collision"
  | "target-overlap"
  | "outside-supernet"
  | "outside-vnet"
  | "subnet-too-small"
  | "legacy-in-supernet"
  | "no-allocation"
  | "allocation-full";

export type Severity = "error" | "warning" | "info";

/** One thing an engineer must know about the address plan. */
export interface AddressFinding {
  code: AddressCode;
  severity: Severity;
  message: string;
  sites: string[];
  prefixes: string[];
  /** Legacy network ids involved, when any. */
  networks: string[];
}

/** Two legacy networks at different sites that share addresses. */
export interface LegacyOverlapRow {
  a: { network: string; site: string; prefix: string };
  b: { network: string; site: string; prefix: string };
}

/** A legacy network that overlaps part of the target plan. */
export interface TargetCollisionRow {
  network: string;
  site: string;
  legacyPrefix: string;
  target: string;
  targetPrefix: string;
}

/**
 * One legacy network's move. Column names match the `reip-subnet` runbook's inputs
 * (`legacyPrefix`, `newPrefix`, `host`), so a row can be handed to it as params.
 */
export interface ReipRow {
  network: string;
  site: string;
  legacyPrefix: string;
  newPrefix: string;
  /** The site's network device (router/firewall) to run the change on; empty when the estate names none. */
  host: string;
}

/** How full one target block is. Counts are decimal strings: IPv6 sizes exceed 2^53. */
export interface BlockUse {
  name: string;
  prefix: string;
  addresses: string;
  used: string;
  percent: number;
}

export interface Utilisation {
  supernet: string;
  addresses: string;
  /** Addresses inside the supernet given to the hub, spokes, sites, data centre and DR hub. */
  allocated: string;
  percent: number;
  blocks: BlockUse[];
}

export interface AddressPlanReport {
  supernet: string;
  legacyNetworks: number;
  legacyOverlaps: LegacyOverlapRow[];
  targetCollisions: TargetCollisionRow[];
  mapping: ReipRow[];
  utilisation: Utilisation;
  findings: AddressFinding[];
  /** True when any finding is an error: `ferry network` exits 1. */
  conflicts: boolean;
}

interface Legacy {
  network: Network;
  prefix: IpPrefix;
}

/**
 * Legacy networks: every estate network except those at cloud sites, which describe the
 * target itself (e.g. the AVD spoke) rather than something that must be merged.
 */
function legacyNetworks(estate: Estate): Legacy[] {
  const cloud = new Set(estate.sites.filter((s) => s.kind === "cloud").map((s) => s.id));
  const out: Legacy[] = [];
  for (const network of estate.networks) {
    if (cloud.has(network.site)) continue;
    const prefix = parsePrefix(network.prefix);
    if (prefix) out.push({ network, prefix });
  }
  return out;
}

const ranged = <T extends { prefix: IpPrefix }>(xs: readonly T[]): Ranged<T>[] => xs.map((item) => ({ prefix: item.prefix, item }));

/** A legacy network already inside its own site's allocation is in place, not a collision. */
function isOwnAllocation(l: Legacy, t: TargetPrefix): boolean {
  return (t.kind === "site" || t.kind === "datacentre") && t.site === l.network.site && contains(t.prefix, l.prefix);
}

function legacyPairs(legacy: readonly Legacy[]): [Legacy, Legacy][] {
  const pairs: [Legacy, Legacy][] = [];
  for (const [x, y] of findOverlaps(ranged(legacy))) {
    if (x.item.network.site !== y.item.network.site) pairs.push([x.item, y.item]);
  }
  return pairs;
}

function targetPairs(legacy: readonly Legacy[], targets: readonly TargetPrefix[]): [Legacy, TargetPrefix][] {
  return findCrossOverlaps(ranged(legacy), ranged(targets))
    .map(([l, t]): [Legacy, TargetPrefix] => [l.item, t.item])
    .filter(([l, t]) => !isOwnAllocation(l, t));
}

/**
 * Per legacy network id, the prefixes it collides with: legacy networks at other sites and,
 * when a target is given, target prefixes (other than its own site's allocation). Networks
 * without collisions are absent. Prefix lists are sorted and unique.
 */
export function legacyOverlaps(estate: Estate, target?: StackTarget): Map<string, string[]> {
  const legacy = legacyNetworks(estate);
  const hits = new Map<string, Set<string>>();
  const hit = (id: string, prefix: string): void => {
    let set = hits.get(id);
    if (!set) hits.set(id, (set = new Set()));
    set.add(prefix);
  };
  for (const [a, b] of legacyPairs(legacy)) {
    hit(a.network.id, b.network.prefix);
    hit(b.network.id, a.network.prefix);
  }
  if (target) {
    for (const [l, t] of targetPairs(legacy, allocationLevel(targetPrefixes(target).entries))) hit(l.network.id, t.prefix.text);
  }
  return new Map([...hits].sort(([a], [b]) => cmp(a, b)).map(([id, set]) => [id, [...set].sort()]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function percent(used: bigint, total: bigint): number {
  if (total === 0n) return 0;
  return Number((used * 10_000n) / total) / 100;
}

/** Options of {@link analyseAddressPlan}. */
export interface AnalyseOptions {
  /** Site ids whose legacy networks must all move into their allocation, even without a conflict. @default [] */
  moveAllAt?: string[];
}

/**
 * Check a stack's target address plan and the estate's legacy networks against it: supernet
 * containment, overlaps inside the plan, subnet sizes, legacy overlaps across sites, legacy
 * collisions with the plan, a deterministic re-IP mapping and supernet utilisation.
 */
export function analyseAddressPlan(estate: Estate, target: StackTarget, options: AnalyseOptions = {}): AddressPlanReport {
  const findings: AddressFinding[] = [];
  const finding = (f: Omit<AddressFinding, "networks"> & { networks?: string[] }): void => {
    findings.push({ ...f, networks: f.networks ?? [] });
  };
  const supernetText = target.network.supernet;
  const supernet = parsePrefix(supernetText);
  const { entries, unparsed } = targetPrefixes(target);
  for (const u of unparsed) {
    finding({ code: "outside-supernet", severity: "error", message: `${u.label} ${u.text} is not an IP prefix`, sites: [], prefixes: [u.text] });
  }
  const allocations = allocationLevel(entries);
  const subnets = entries.filter((e) => e.kind === "subnet");

  // 1. Every allocation inside the supernet.
  for (const a of allocations) {
    if (!supernet || !contains(supernet, a.prefix)) {
      finding({
        code: "outside-supernet",
        severity: "error",
        message: `${a.label} ${a.prefix.text} is outside the supernet ${supernetText}`,
        sites: a.site ? [a.site] : [],
        prefixes: [a.prefix.text, supernetText],
      });
    }
  }
  // 2. No two allocations overlap; no two subnets of one VNet overlap.
  for (const [x, y] of findOverlaps(ranged(allocations))) {
    finding({
      code: "target-overlap",
      severity: "error",
      message: `${x.item.label} ${x.prefix.text} overlaps ${y.item.label} ${y.prefix.text}`,
      sites: [x.item.site, y.item.site].filter((s): s is string => !!s),
      prefixes: [x.prefix.text, y.prefix.text],
    });
  }
  const byParent = new Map<string, TargetPrefix[]>();
  for (const s of subnets) byParent.set(s.parent!, [...(byParent.get(s.parent!) ?? []), s]);
  for (const [parentLabel, list] of byParent) {
    const parent = allocations.find((a) => a.label === parentLabel);
    for (const s of list) {
      if (parent && !contains(parent.prefix, s.prefix)) {
        finding({
          code: "outside-vnet",
          severity: "error",
          message: `${s.label} ${s.prefix.text} is outside its VNet ${parent.prefix.text}`,
          sites: [],
          prefixes: [s.prefix.text, parent.prefix.text],
        });
      }
      // 3. Sizes: Azure's five reserved addresses, fixed-name minimums, declared hosts.
      const problem = subnetSizeProblem(s.subnet!.name, s.prefix, s.subnet!.hosts);
      if (problem) finding({ code: "subnet-too-small", severity: "error", message: `${parentLabel}: ${problem}`, sites: [], prefixes: [s.prefix.text] });
    }
    for (const [x, y] of findOverlaps(ranged(list))) {
      finding({
        code: "target-overlap",
        severity: "error",
        message: `${x.item.label} ${x.prefix.text} overlaps ${y.item.label} ${y.prefix.text}`,
        sites: [],
        prefixes: [x.prefix.text, y.prefix.text],
      });
    }
  }

  // 4. Legacy networks against each other and against the plan.
  const legacy = legacyNetworks(estate);
  const mustMove = new Map<string, Legacy>();
  const legacyOverlapRows: LegacyOverlapRow[] = [];
  for (const [x, y] of legacyPairs(legacy)) {
    const [a, b] = cmp(x.network.site, y.network.site) <= 0 ? [x, y] : [y, x];
    legacyOverlapRows.push({
      a: { network: a.network.id, site: a.network.site, prefix: a.network.prefix },
      b: { network: b.network.id, site: b.network.site, prefix: b.network.prefix },
    });
    finding({
      code: "network-overlap",
      severity: "error",
      message: `${a.network.id} ${a.network.prefix} at ${a.network.site} overlaps ${b.network.id} ${b.network.prefix} at ${b.network.site}`,
      sites: [a.network.site, b.network.site],
      prefixes: [a.network.prefix, b.network.prefix],
      networks: [a.network.id, b.network.id],
    });
    mustMove.set(a.network.id, a);
    mustMove.set(b.network.id, b);
  }
  const collisionRows: TargetCollisionRow[] = [];
  for (const [l, t] of targetPairs(legacy, allocations)) {
    collisionRows.push({ network: l.network.id, site: l.network.site, legacyPrefix: l.network.prefix, target: t.label, targetPrefix: t.prefix.text });
    finding({
      code: "target-collision",
      severity: "error",
      message: `legacy ${l.network.id} ${l.network.prefix} at ${l.network.site} collides with ${t.label} ${t.prefix.text}`,
      sites: [l.network.site, ...(t.site && t.site !== l.network.site ? [t.site] : [])],
      prefixes: [l.network.prefix, t.prefix.text],
      networks: [l.network.id],
    });
    mustMove.set(l.network.id, l);
  }
  const collided = new Set(collisionRows.map((r) => r.network));
  const moveAll = new Set(options.moveAllAt ?? []);
  for (const l of legacy) {
    const inPlace = allocations.some((t) => isOwnAllocation(l, t));
    if (inPlace) continue;
    if (supernet && contains(supernet, l.prefix) && !collided.has(l.network.id)) {
      // Not in anyone's allocation yet inside the supernet: it squats on future space.
      finding({
        code: "legacy-in-supernet",
        severity: "warning",
        message: `legacy ${l.network.id} ${l.network.prefix} at ${l.network.site} lies inside the supernet ${supernetText} but outside every allocation`,
        sites: [l.network.site],
        prefixes: [l.network.prefix],
        networks: [l.network.id],
      });
      mustMove.set(l.network.id, l);
    }
    if (moveAll.has(l.network.site)) mustMove.set(l.network.id, l);
  }

  // 5. Re-IP mapping: a free block of the same size in the site's allocation, at the same
  //    offset when free (hosts keep their low octets), else the first free one.
  const mapping = planMoves(estate, [...mustMove.values()], entries, legacy, finding);

  // 6. Utilisation.
  const utilisation = measure(supernetText, supernet, allocations, subnets, legacy, mapping);

  const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
  findings.sort((a, b) => order[a.severity] - order[b.severity] || cmp(a.code, b.code) || cmp(a.message, b.message));
  legacyOverlapRows.sort((x, y) => cmp(x.a.network, y.a.network) || cmp(x.b.network, y.b.network));
  collisionRows.sort((x, y) => cmp(x.network, y.network) || cmp(x.target, y.target));
  return {
    supernet: supernetText,
    legacyNetworks: legacy.length,
    legacyOverlaps: legacyOverlapRows,
    targetCollisions: collisionRows,
    mapping,
    utilisation,
    findings,
    conflicts: findings.some((f) => f.severity === "error"),
  };
}

function planMoves(
  estate: Estate,
  moves: Legacy[],
  entries: readonly TargetPrefix[],
  legacy: readonly Legacy[],
  finding: (f: Omit<AddressFinding, "networks"> & { networks?: string[] }) => void,
): ReipRow[] {
  const allocationsBySite = new Map<string, TargetPrefix[]>();
  for (const e of entries) {
    if ((e.kind === "site" || e.kind === "datacentre") && e.site) {
      allocationsBySite.set(e.site, [...(allocationsBySite.get(e.site) ?? []), e]);
    }
  }
  const allocators = new Map<TargetPrefix, BlockAllocator>();
  const allocatorFor = (t: TargetPrefix): BlockAllocator => {
    let a = allocators.get(t);
    if (!a) {
      a = new BlockAllocator(t.prefix);
      // Avoid every target prefix and every legacy network still in use during the move.
      for (const e of entries) if (e !== t) a.reserve(e.prefix);
      for (const l of legacy) a.reserve(l.prefix);
      allocators.set(t, a);
    }
    return a;
  };
  const sites = new Map(estate.sites.map((s) => [s.id, s]));
  const sorted = [...moves].sort(
    (x, y) =>
      cmp(x.network.site, y.network.site) ||
      x.prefix.family - y.prefix.family ||
      x.prefix.length - y.prefix.length ||
      (x.prefix.start < y.prefix.start ? -1 : x.prefix.start > y.prefix.start ? 1 : 0) ||
      cmp(x.network.id, y.network.id),
  );
  const rows: ReipRow[] = [];
  const noAllocation = new Map<string, Legacy[]>();
  for (const l of sorted) {
    const site = l.network.site;
    const candidates = (allocationsBySite.get(site) ?? []).filter((t) => t.prefix.family === l.prefix.family);
    if (candidates.length === 0) {
      noAllocation.set(site, [...(noAllocation.get(site) ?? []), l]);
      continue;
    }
    let placed: IpPrefix | undefined;
    for (const t of candidates) {
      placed = allocatorFor(t).allocate(l.prefix.length, l.prefix);
      if (placed) break;
    }
    if (!placed) {
      finding({
        code: "allocation-full",
        severity: "error",
        message: `no free /${l.prefix.length} left for ${l.network.id} ${l.network.prefix} in ${site}'s allocation ${candidates.map((c) => c.prefix.text).join(", ")}: enlarge it`,
        sites: [site],
        prefixes: [l.network.prefix, ...candidates.map((c) => c.prefix.text)],
        networks: [l.network.id],
      });
      continue;
    }
    rows.push({ network: l.network.id, site, legacyPrefix: l.network.prefix, newPrefix: placed.text, host: deviceFor(estate, l) });
  }
  for (const [siteId, list] of noAllocation) {
    const closes = sites.get(siteId)?.closes;
    const ids = list.map((l) => l.network.id);
    finding({
      code: "no-allocation",
      severity: closes ? "info" : "error",
      message: closes
        ? `${siteId} closes on ${closes} and has no allocation: its networks ${ids.join(", ")} retire with the site instead of moving; keep them off the single network until then`
        : `${siteId} has no allocation in network.sites, so ${ids.join(", ")} cannot be re-addressed: add one`,
      sites: [siteId],
      prefixes: list.map((l) => l.network.prefix),
      networks: ids,
    });
  }
  return rows.sort((x, y) => cmp(x.site, y.site) || cmp(x.network, y.network));
}

/**
 * The host the `reip-subnet` runbook changes: the site's network device whose address lies in
 * the legacy prefix, else the site's first network device, else any host in the prefix.
 */
function deviceFor(estate: Estate, l: Legacy): string {
  const atSite = estate.hosts.filter((h) => h.site === l.network.site).sort((a, b) => cmp(a.id, b.id));
  const inside = (address: string): boolean => {
    const p = parsePrefix(address);
    return !!p && contains(l.prefix, p);
  };
  const devices = atSite.filter((h) => h.os === "network-device");
  return (devices.find((h) => inside(h.address)) ?? devices[0] ?? atSite.find((h) => inside(h.address)))?.id ?? "";
}

function measure(
  supernetText: string,
  supernet: IpPrefix | undefined,
  allocations: readonly TargetPrefix[],
  subnets: readonly TargetPrefix[],
  legacy: readonly Legacy[],
  mapping: readonly ReipRow[],
): Utilisation {
  const total = supernet ? prefixSize(supernet) : 0n;
  const inside = supernet ? allocations.filter((a) => contains(supernet, a.prefix)) : [];
  const allocated = unionSize(inside.map((a) => a.prefix));
  const newPrefixes = mapping.map((r) => ({ site: r.site, prefix: parsePrefix(r.newPrefix)! }));
  const blocks: BlockUse[] = allocations.map((a) => {
    let usedBy: IpPrefix[];
    if (a.kind === "site" || a.kind === "datacentre") {
      usedBy = [
        ...legacy.filter((l) => l.network.site === a.site && contains(a.prefix, l.prefix)).map((l) => l.prefix),
        ...newPrefixes.filter((n) => n.site === a.site && contains(a.prefix, n.prefix)).map((n) => n.prefix),
      ];
    } else {
      usedBy = subnets.filter((s) => s.parent === a.label && contains(a.prefix, s.prefix)).map((s) => s.prefix);
    }
    const size = prefixSize(a.prefix);
    const used = unionSize(usedBy);
    return { name: a.label, prefix: a.prefix.text, addresses: size.toString(), used: used.toString(), percent: percent(used, size) };
  });
  return { supernet: supernetText, addresses: total.toString(), allocated: allocated.toString(), percent: percent(allocated, total), blocks };
}
