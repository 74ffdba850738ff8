import type * as pulumi from "@pulumi/pulumi";
import type { Estate } from "../model/estate.js";
import type { StackTarget } from "../model/stack.js";
import { DataCentreLink } from "./data-centre-link.js";
import { LandingZone } from "./landing-zone.js";
import { Naming, stackTags } from "./naming.js";
import { remoteAppsFor } from "./remote-apps.js";
import { SingleNetwork } from "./single-network.js";
import { VirtualDesktops } from "./virtual-desktops.js";

export interface FerryStackInputs {
  /** Everything under `ferry:` in the stack file, parsed with the StackTarget schema. */
  target: StackTarget;
  /** The merged estate: Citrix applications targeted at the desktops site become RemoteApps. */
  estate: Estate;
  /** IPsec pre-shared key (secret); required when connectivity is configured. */
  sharedKey?: pulumi.Input<string>;
  /** Subscription for role definition ids. @default looked up from the provider */
  subscriptionId?: pulumi.Input<string>;
}

/** The components of one environment. */
export interface FerryStack {
  landingZone: LandingZone;
  network: SingleNetwork;
  dataCentre?: DataCentreLink;
  desktops?: VirtualDesktops;
}

/**
 * Build the whole target of one environment: the single network, its links to the retained
 * estate, the virtual desktops and the landing zone that governs them. Tests call this under
 * Pulumi's mocks; src/stacks/index.ts calls it with the stack's config.
 */
export function buildFerryStack(inputs: FerryStackInputs): FerryStack {
  const { target, estate } = inputs;
  const lz = target.landingZone;
  const tags = stackTags(lz, target.environment);
  const naming = new Naming(lz.prefix, lz.region);

  const network = new SingleNetwork("network", { network: target.network, location: lz.region, naming, tags });

  let dataCentre: DataCentreLink | undefined;
  if (target.connectivity) {
    if (inputs.sharedKey === undefined) throw new Error(`config ferry:${target.connectivity.sharedKeySecret} (secret) is required for the site-to-site connections`);
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
    });
  }
  network.connectSpokes(dataCentre?.gateways ?? []);

  let desktops: VirtualDesktops | undefined;
  if (target.desktops) {
    const { apps, problems } = remoteAppsFor(estate, target.desktops.targetSite);
    if (problems.length > 0) throw new Error(`cannot publish the RemoteApps:\n  ${problems.join("\n  ")}`);
    desktops = new VirtualDesktops("desktops", {
      desktops: target.desktops,
      apps,
      location: lz.region,
      naming,
      tags,
      ...(inputs.subscriptionId !== undefined ? { subscriptionId: inputs.subscriptionId } : {}),
    });
  }

  const landingZone = new LandingZone("landing-zone", {
    target: lz,
    naming,
    tags,
    diagnostics: [...network.diagnosticTargets, ...(dataCentre?.diagnosticTargets ?? [])],
  });

  return { landingZone, network, ...(dataCentre ? { dataCentre } : {}), ...(desktops ? { desktops } : {}) };
}
