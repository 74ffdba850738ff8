import type { LandingZoneTarget } from "../model/stack.js";

/**
 * Cloud Adoption Framework style names (`rg-wnc-connectivity-uksouth`, `vnet-wnc-hub-uksouth`).
 * Every resource gets an explicit physical name so a preview shows exactly what will exist
 * and re-running never creates twins with random suffixes.
 */
export class Naming {
  constructor(
    readonly prefix: string,
    readonly region: string,
  ) {}

  /** `<abbreviation>-<prefix>-<parts…>`, e.g. name("rg", "connectivity", "uksouth"). */
  name(abbreviation: string, ...parts: string[]): string {
    return [abbreviation, this.prefix, ...parts].join("-");
  }

  /** Resource group for a workload in a region (default: the primary region). */
  resourceGroup(workload: string, region = this.region): string {
    return this.name("rg", workload, region);
  }
}

/** The tags every taggable resource carries: the stack's tags plus who manages it. */
export function stackTags(lz: LandingZoneTarget, environment?: string): Record<string, string> {
  const tags: Record<string, string> = { ...lz.tags, managedBy: "ferry" };
  if (environment && !tags.environment) tags.environment = environment;
  const missing = lz.requiredTags.filter((t) => !tags[t]);
  if (missing.length > 0) {
    // The landing zone denies untagged resources, so deploying them would fail one by one.
    throw new Error(
      `ferry:landingZone.tags lacks ${missing.join(", ")}: the landing zone requires every resource to carry ${lz.requiredTags.join(", ")}; add them to ferry:landingZone.tags`,
    );
  }
  return tags;
}

/**
 * A stable GUID derived from text (RFC 4122 v5-shaped), for resources whose name must be a
 * GUID (role assignments): the same scope, role and principal always give the same name.
 */
export function stableGuid(hex40: string): string {
  const h = hex40.slice(0, 32).split("");
  h[12] = "5";
  h[16] = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
}
