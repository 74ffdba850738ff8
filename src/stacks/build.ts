import type * as pulumi from "@pulumi/pulumi";
import type { Estate } from "../model/estate.js";
import { spokeSubscription, type StackTarget } from "../model/stack.js";
import { DataCentreLink } from "./data-centre-link.js";
import { LandingZone } from "./landing-zone.js";
import { ManagementGroups } from "./management-groups.js";
import { Naming, stackTags } from "./naming.js";
import { remoteAppsFor } from "./remote-apps.js";
import { SingleNetwork } from "./single-network.js";
import { LandingZoneSubscriptions } from "./subscriptions.js";
import { DESKTOP_PRIVATE_DNS_ZONES, VirtualDesktops } from "./virtual-desktops.js";

export interface FerryStackInputs {
  /** Everything under `ferry:` in the stack file, parsed with the StackTarget schema. */
  target: StackTarget;
  /** The merged estate: Citrix applications targeted at the desktops site become RemoteApps. */
  estate: Estate;
  /** IPsec pre-shared key (secret); required when connectivity is configured. */
  sharedKey?: pulumi.Input<string>;
  /** Session hosts' local administrator password (secret); required with session hosts. */
  sessionHostAdminPassword?: pulumi.Input<string>;
  /** AD DS join password (secret); required with `sessionHosts.join: ad`. */
  domainJoinPassword?: pulumi.Input<string>;
  /** "Now", for budgets and the host pool's registration token. @default new Date() */
  now?: Date;
}

/** The components of one environment. */
export interface FerryStack {
  managementGroups: ManagementGroups;
  subscriptions: LandingZoneSubscriptions;
  landingZone: LandingZone;
  network: SingleNetwork;
  dataCentre?: DataCentreLink;
  desktops?: VirtualDesktops;
}

/** A secret the stack needs is not in its config: the message says how to set it. */
export class ConfigMissingError extends Error {
  override name = "ConfigMissingError";
  constructor(
    readonly key: string,
    why: string,
  ) {
    super(`config ferry:${key} (secret) is not set: ${why}. Run \`ferry deploy --stack <env> --init\` once (it sets the stack's encryptionsalt and its secrets), or \`pulumi config set --secret ferry:${key} …\``);
  }
}

/**
 * Build the whole target of one environment: the management groups and the subscriptions placed
 * under them, the single network, its links to the retained estate, the virtual desktops and the
 * landing zone's governance. Tests call this under Pulumi's mocks; src/stacks/index.ts calls it
 * with the stack's config.
 */
export function buildFerryStack(inputs: FerryStackInputs): FerryStack {
  const { target, estate } = inputs;
  const lz = target.landingZone;
  if (!lz.subscriptions) {
    throw new Error(
      "ferry:landingZone.subscriptions is not set: policies on the management groups govern only subscriptions placed under them, so ferry deploys into named subscriptions only (connectivity, management, corp at least; see docs/stacks.md)",
    );
  }
  const tags = stackTags(lz, target.environment);
  const naming = new Naming(lz.prefix, lz.region);

  const managementGroups = new ManagementGroups("management-groups", { target: lz });
  const subscriptions = new LandingZoneSubscriptions("subscriptions", { subscriptions: lz.subscriptions, managementGroups });
  const connectivity = subscriptions.get("connectivity");

  const network = new SingleNetwork("network", {
    network: target.network,
    location: lz.region,
    naming,
    tags,
    connectivity,
    spokeSubscription: (spoke) => subscriptions.get(spokeSubscription(target, spoke)),
    ...(target.desktops ? { desktopsSpoke: target.desktops.spoke, requiredPrivateDnsZones: DESKTOP_PRIVATE_DNS_ZONES } : {}),
  });

  let dataCentre: DataCentreLink | undefined;
  if (target.connectivity) {
    if (inputs.sharedKey === undefined) throw new ConfigMissingError(target.connectivity.sharedKeySecret, "the site-to-site connections need their pre-shared key");
    dataCentre = new DataCentreLink("datacentre", {
      connectivity: target.connectivity,
      network: target.network,
      hub: {
        resourceGroupName: network.resourceGroup.name,
        virtualNetworkName: network.hub.name,
        virtualNetworkId: network.hub.id,
        gatewaySubnetId: network.gatewaySubnet.id,
        dependsOn: [network.gatewaySubnet],
      },
      sharedKey: inputs.sharedKey,
      location: lz.region,
      naming,
      tags,
      privateDnsZones: network.privateDnsZones,
      provider: connectivity.provider,
      firewallPolicyId: network.firewallPolicy.id,
    });
  }
  network.connectSpokes(dataCentre?.gateways ?? [], dataCentre?.drPeer ? [dataCentre.drPeer] : []);

  let desktops: VirtualDesktops | undefined;
  if (target.desktops) {
    const d = target.desktops;
    const { apps, problems } = remoteAppsFor(estate, d.targetSite);
    if (problems.length > 0) throw new Error(`cannot publish the RemoteApps:\n  ${problems.join("\n  ")}`);
    const hosts = d.sessionHosts;
    if (hosts && hosts.count > 0 && inputs.sessionHostAdminPassword === undefined) throw new ConfigMissingError("sessionHostAdminPassword", "the session hosts need a local administrator password");
    if (hosts?.join === "ad" && inputs.domainJoinPassword === undefined) throw new ConfigMissingError("domainJoinPassword", "joining the session hosts to AD DS needs the join account's password");
    const spoke = target.network.spokes.find((s) => s.id === d.spoke)!;
    const built = network.spokes.get(d.spoke)!;
    desktops = new VirtualDesktops("desktops", {
      desktops: d,
      apps,
      location: lz.region,
      naming,
      tags,
      subscription: built.subscription,
      subnets: spoke.subnets.map((s) => ({ name: s.name, purpose: s.purpose, id: built.subnets.get(s.name)!.id })),
      privateDnsZones: network.privateDnsZones,
      ...(inputs.sessionHostAdminPassword !== undefined ? { adminPassword: inputs.sessionHostAdminPassword } : {}),
      ...(inputs.domainJoinPassword !== undefined ? { domainJoinPassword: inputs.domainJoinPassword } : {}),
      ...(inputs.now ? { now: inputs.now } : {}),
    });
  }

  const landingZone = new LandingZone("landing-zone", {
    target: lz,
    naming,
    tags,
    managementGroups,
    subscriptions,
    diagnostics: [...network.diagnosticTargets, ...(dataCentre?.diagnosticTargets ?? [])],
    ...(inputs.now ? { now: inputs.now } : {}),
  });

  return { managementGroups, subscriptions, landingZone, network, ...(dataCentre ? { dataCentre } : {}), ...(desktops ? { desktops } : {}) };
}
