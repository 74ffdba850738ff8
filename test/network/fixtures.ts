import type { Estate, Network, Site } from "../../src/model/estate.js";
import { StackTarget } from "../../src/model/stack.js";

/** A target shaped like the prod plan of /tmp docs, small enough to reason about. */
export function prodLikeTarget(overrides: { network?: Record<string, unknown>; connectivity?: Record<string, unknown> } = {}): StackTarget {
  return StackTarget.parse({
    landingZone: { prefix: "wnc", tags: { owner: "ict", costCentre: "c1", dataClassification: "official" } },
    network: {
      supernet: "10.96.0.0/12",
      hub: {
        prefix: "10.96.0.0/22",
        firewallSubnet: "10.96.0.0/26",
        bastionSubnet: "10.96.0.64/26",
        gatewaySubnet: "10.96.0.128/27",
        firewallManagementSubnet: "10.96.0.192/26",
      },
      spokes: [
        { id: "corp-apps", prefix: "10.97.0.0/20", subnets: [{ name: "app", prefix: "10.97.0.0/24", hosts: 200 }] },
        { id: "avd", prefix: "10.98.0.0/20", subnets: [{ name: "hosts", prefix: "10.98.0.0/22", hosts: 400 }] },
      ],
      sites: [
        { site: "guildhall", prefix: "10.104.0.0/16" },
        { site: "abbey-centre", prefix: "10.106.0.0/16" },
      ],
      dataCentre: { site: "county-dc", gatewayAddress: "203.0.113.10", prefixes: ["10.107.0.0/16"] },
      ...overrides.network,
    },
    ...(overrides.connectivity ? { connectivity: overrides.connectivity } : {}),
  });
}

const site = (id: string, kind: Site["kind"], extra: Partial<Site> = {}): Site => ({ id, name: id, kind, ...extra });

/** An estate with the given networks at guildhall, abbey-centre, county-dc, lodge-road and a cloud site. */
export function estateWith(networks: Network[], extra: Partial<Estate> = {}): Estate {
  return {
    organisations: [],
    sites: [
      site("guildhall", "office"),
      site("abbey-centre", "office"),
      site("county-dc", "datacentre"),
      site("lodge-road", "office", { closes: "2027-03-31" }),
      site("civic-hall", "office"),
      site("azure-uksouth", "cloud", { region: "uksouth" }),
    ],
    networks,
    hosts: [],
    applications: [],
    datasets: [],
    ...extra,
  };
}

export const net = (id: string, siteId: string, prefix: string): Network => ({ id, site: siteId, prefix });
