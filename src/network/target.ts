import type { StackTarget } from "../model/stack.js";
import { parsePrefix, type IpPrefix } from "./prefix.js";

/** What part of the target plan a prefix belongs to. */
export type TargetKind = "hub" | "spoke" | "site" | "datacentre" | "dr-hub" | "subnet";

/** One prefix of the target plan, labelled for messages. */
export interface TargetPrefix {
  kind: TargetKind;
  /** Human label: `hub`, `spoke corp-apps`, `site guildhall`, `subnet corp-apps/app`. */
  label: string;
  prefix: IpPrefix;
  /** For site allocations and the data centre: the estate site id. */
  site?: string;
  /** For subnets: the label of the VNet they sit in, their name and declared hosts. */
  parent?: string;
  subnet?: { name: string; hosts?: number };
}

/** A prefix text from the stack that failed to parse (the schema should have caught it). */
export interface UnparsedPrefix {
  label: string;
  text: string;
}

/**
 * Flatten a stack target into labelled prefixes: the allocation level (hub, spokes, site
 * allocations, data centre, DR hub) and the subnets inside the VNets.
 */
export function targetPrefixes(target: StackTarget): { entries: TargetPrefix[]; unparsed: UnparsedPrefix[] } {
  const entries: TargetPrefix[] = [];
  const unparsed: UnparsedPrefix[] = [];
  const add = (text: string, entry: Omit<TargetPrefix, "prefix">): void => {
    const prefix = parsePrefix(text);
    if (prefix) entries.push({ ...entry, prefix });
    else unparsed.push({ label: entry.label, text });
  };
  const net = target.network;
  add(net.hub.prefix, { kind: "hub", label: "hub" });
  const hubSubnets: [string, string | undefined][] = [
    ["AzureFirewallSubnet", net.hub.firewallSubnet],
    ["AzureBastionSubnet", net.hub.bastionSubnet],
    ["GatewaySubnet", net.hub.gatewaySubnet],
    ["AzureFirewallManagementSubnet", net.hub.firewallManagementSubnet],
  ];
  for (const [name, text] of hubSubnets) {
    if (text) add(text, { kind: "subnet", label: `subnet hub/${name}`, parent: "hub", subnet: { name } });
  }
  for (const spoke of net.spokes) {
    const label = `spoke ${spoke.id}`;
    add(spoke.prefix, { kind: "spoke", label });
    for (const s of spoke.subnets) {
      add(s.prefix, {
        kind: "subnet",
        label: `subnet ${spoke.id}/${s.name}`,
        parent: label,
        subnet: s.hosts === undefined ? { name: s.name } : { name: s.name, hosts: s.hosts },
      });
    }
  }
  for (const a of net.sites) add(a.prefix, { kind: "site", label: `site ${a.site}`, site: a.site });
  if (net.dataCentre) {
    for (const p of net.dataCentre.prefixes) {
      add(p, { kind: "datacentre", label: `data centre ${net.dataCentre.site}`, site: net.dataCentre.site });
    }
  }
  const dr = target.connectivity?.disasterRecovery;
  if (dr) add(dr.hubPrefix, { kind: "dr-hub", label: `DR hub (${dr.region})` });
  return { entries, unparsed };
}

/** Allocation-level entries: everything but subnets. */
export function allocationLevel(entries: readonly TargetPrefix[]): TargetPrefix[] {
  return entries.filter((e) => e.kind !== "subnet");
}
