import type { Dataset } from "../model/estate.js";
import type { PlanWarning } from "../model/plan.js";
import type { AppFacts } from "./facts.js";
import type { OrderCycle } from "./groups.js";
import type { ReipNetwork } from "./reip.js";

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

/**
 * `reip-required`: one warning per network whose re-addressing could not be planned before every
 * application that needs it, naming those applications, why (their deadline, no room for the
 * re-IP first, a kept wave) and the interim option a board can approve: NAT through the hub
 * firewall until the network is re-addressed.
 */
export function reipWarnings(late: readonly { network: ReipNetwork; reipAt: { wave: number; date: string } | null; apps: { id: string; wave: number; date: string; why: string }[] }[]): PlanWarning[] {
  return late.map(({ network: n, reipAt, apps }) => {
    const first = apps[0]!;
    const whys = [...new Set(apps.map((a) => a.why))].sort();
    const when = reipAt ? `its re-IP (${n.change}) is planned in wave ${reipAt.wave} on ${reipAt.date}` : `its re-IP (${n.change}) could not be planned: no wave within the horizon has room at ${n.site}`;
    const ids = apps.map((a) => a.id);
    return {
      code: "reip-required",
      message: `network ${n.network} (${n.prefix} at ${n.site}) overlaps ${n.collidesWith} and must be re-addressed before ${list(ids)} move, but ${when}, not before wave ${first.wave} on ${first.date} (${whys.join("; ")}); interim option for the board: NAT through the hub firewall for these applications until the re-IP is done`,
      applications: ids,
      prefixes: [n.prefix, ...n.collides],
    };
  });
}
