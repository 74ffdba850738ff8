import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network/index.js";
import * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import { gatewaySku, isZoneRedundantSku, type ConnectivityTarget, type NetworkTarget } from "../model/stack.js";
import type { DiagnosticTarget } from "./landing-zone.js";
import type { Naming } from "./naming.js";
import type { PeeredHub } from "./single-network.js";

/** The ASN of Azure's side of the BGP sessions (Azure's default; VPN and ExpressRoute coexistence needs it). */
export const AZURE_GATEWAY_ASN = 65515;

/** The hub a link attaches to (from {@link SingleNetwork}). */
export interface HubRef {
  resourceGroupName: pulumi.Input<string>;
  virtualNetworkName: pulumi.Input<string>;
  virtualNetworkId: pulumi.Input<string>;
  gatewaySubnetId: pulumi.Input<string>;
  /** Resources the gateway must wait for (the GatewaySubnet write). */
  dependsOn: pulumi.Resource[];
}

export interface DataCentreLinkArgs {
  /** `ferry:connectivity`: VPN or ExpressRoute, SKU, retained offices, DR pairing. */
  connectivity: ConnectivityTarget;
  /** `ferry:network`: the data centre and the site allocations advertised to Azure. */
  network: NetworkTarget;
  hub: HubRef;
  /** IPsec pre-shared key, a Pulumi secret (config `ferry:<sharedKeySecret>`). */
  sharedKey: pulumi.Input<string>;
  location: string;
  naming: Naming;
  tags: Record<string, string>;
  /** Private DNS zones (in the hub's resource group) to link to the DR hub as well, by zone name. @default none */
  privateDnsZones?: Map<string, privatedns.PrivateZone>;
  /** Availability zones for the gateway's public IP (zone-redundant SKUs only). @default ["1", "2", "3"] */
  zones?: string[];
  /** Provider of the connectivity subscription (the hub's). */
  provider: pulumi.ProviderResource;
  /** The hub's firewall policy: the DR hub's firewall enforces the same rules. */
  firewallPolicyId?: pulumi.Input<string>;
}

/** The generation Azure requires for a VPN gateway SKU (VpnGw1 exists only in Generation1). */
function vpnGeneration(sku: string): "Generation1" | "Generation2" {
  return /^VpnGw1(AZ)?$/.test(sku) ? "Generation1" : "Generation2";
}

/**
 * Links the retained estate to the hub: a VPN (or ExpressRoute) gateway in the GatewaySubnet,
 * a local network gateway and IPsec connection for the data centre and for every retained
 * office (their address-plan allocations as the remote address space), and, when configured,
 * the paired DR hub in UK West peered with the primary hub.
 */
export class DataCentreLink extends pulumi.ComponentResource {
  /** Gateways in the hub: spokes' `useRemoteGateways` peerings must wait for them. */
  readonly gateways: network.VirtualNetworkGateway[] = [];
  readonly publicIps: network.PublicIPAddress[] = [];
  readonly localGateways: network.LocalNetworkGateway[] = [];
  readonly connections: network.VirtualNetworkGatewayConnection[] = [];
  readonly drHub?: network.VirtualNetwork;
  /** The DR hub as the primary hub's peering chain takes it (peered by SingleNetwork.connectSpokes). */
  readonly drPeer?: PeeredHub;
  readonly diagnosticTargets: DiagnosticTarget[] = [];

  constructor(name: string, args: DataCentreLinkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:DataCentreLink", name, {}, opts);
    const { connectivity: c, network: net, hub, naming, location, tags } = args;
    const zones = args.zones ?? ["1", "2", "3"];
    const provider = args.provider;
    const child = { parent: this, provider };
    const bgp = net.dataCentre?.bgpAsn !== undefined;

    const gateway = (kind: "Vpn" | "ExpressRoute", sku: string, after: pulumi.Resource[]): network.VirtualNetworkGateway => {
      const label = kind === "Vpn" ? "vpn" : "er";
      const pipName = naming.name("pip", `vgw-${label}`, location);
      // A zonal IP on a non-AZ SKU is refused (RegionalVmssVpnGatewayPublicIpsMustNotHaveZonesConfigured).
      const pipZones = isZoneRedundantSku(sku) ? { zones } : {};
      const pip = new network.PublicIPAddress(
        pipName,
        { publicIpAddressName: pipName, resourceGroupName: hub.resourceGroupName, location, sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", ...pipZones, tags },
        child,
      );
      this.publicIps.push(pip);
      const gwName = naming.name("vgw", label, location);
      const gw = new network.VirtualNetworkGateway(
        gwName,
        {
          virtualNetworkGatewayName: gwName,
          resourceGroupName: hub.resourceGroupName,
          location,
          gatewayType: kind,
          ...(kind === "Vpn" ? { vpnType: "RouteBased", vpnGatewayGeneration: vpnGeneration(sku) } : {}),
          sku: { name: sku, tier: sku },
          // BGP when the data centre speaks it (ExpressRoute always does, outside this flag).
          enableBgp: kind === "Vpn" && bgp,
          ...(kind === "Vpn" && bgp ? { bgpSettings: { asn: AZURE_GATEWAY_ASN } } : {}),
          activeActive: false,
          ipConfigurations: [{ name: "default", subnet: { id: hub.gatewaySubnetId }, publicIPAddress: { id: pip.id }, privateIPAllocationMethod: "Dynamic" }],
          tags,
        },
        // VPN and ExpressRoute gateways share the GatewaySubnet: build them one after the other.
        { parent: this, provider, dependsOn: [...hub.dependsOn, ...after] },
      );
      this.gateways.push(gw);
      this.diagnosticTargets.push({ name: `gateway-${label}`, resourceId: gw.id, provider }, { name: `gateway-${label}-pip`, resourceId: pip.id, provider });
      return gw;
    };

    const allocationOf = (site: string): string[] => {
      const prefixes = net.sites.filter((s) => s.site === site).map((s) => s.prefix);
      if (net.dataCentre?.site === site) prefixes.push(...net.dataCentre.prefixes);
      if (prefixes.length === 0) throw new Error(`ferry:connectivity.sites names ${site}, which has no allocation in ferry:network.sites: add one`);
      return prefixes;
    };

    /** The hub gateway's connection to one site; the caller gives what differs by link kind. */
    type LinkFields = Pick<network.VirtualNetworkGatewayConnectionArgs, "connectionType" | "connectionProtocol" | "virtualNetworkGateway1" | "localNetworkGateway2" | "peer" | "sharedKey" | "enableBgp">;
    const connect = (site: string, link: LinkFields): void => {
      const conName = naming.name("con", site);
      this.connections.push(
        new network.VirtualNetworkGatewayConnection(conName, { virtualNetworkGatewayConnectionName: conName, resourceGroupName: hub.resourceGroupName, location, tags, ...link }, child),
      );
    };

    const vpnSite = (vpn: network.VirtualNetworkGateway, site: string, address: string, prefixes: string[], peer?: { asn: number; address: string }): void => {
      const lngName = naming.name("lgw", site);
      const isIp = /^[0-9.]+$|:/.test(address);
      const lng = new network.LocalNetworkGateway(
        lngName,
        {
          localNetworkGatewayName: lngName,
          resourceGroupName: hub.resourceGroupName,
          location,
          ...(isIp ? { gatewayIpAddress: address } : { fqdn: address }),
          localNetworkAddressSpace: { addressPrefixes: prefixes },
          ...(peer ? { bgpSettings: { asn: peer.asn, bgpPeeringAddress: peer.address } } : {}),
          tags,
        },
        child,
      );
      this.localGateways.push(lng);
      connect(site, {
        connectionType: "IPsec",
        connectionProtocol: "IKEv2",
        virtualNetworkGateway1: { id: vpn.id },
        localNetworkGateway2: { id: lng.id },
        sharedKey: pulumi.secret(args.sharedKey),
        ...(peer ? { enableBgp: true } : {}),
      });
    };

    const dc = net.dataCentre;
    const offices = c.sites.filter((s) => s.site !== dc?.site);
    const dcPeer = dc?.bgpAsn !== undefined && dc.bgpPeeringAddress ? { asn: dc.bgpAsn, address: dc.bgpPeeringAddress } : undefined;
    if (c.kind === "expressroute") {
      const er = gateway("ExpressRoute", gatewaySku(c), []);
      if (dc) {
        if (!c.expressRouteCircuitId) throw new Error("ferry:connectivity.kind is expressroute but ferry:connectivity.expressRouteCircuitId is not set");
        connect(dc.site, { connectionType: "ExpressRoute", virtualNetworkGateway1: { id: er.id }, peer: { id: c.expressRouteCircuitId } });
      }
      // Offices still connect over IPsec: a VPN gateway coexists with the ExpressRoute one.
      if (offices.length > 0) {
        const vpn = gateway("Vpn", c.officeVpnSku, [er]);
        for (const o of offices) vpnSite(vpn, o.site, o.gatewayAddress, allocationOf(o.site));
      }
    } else {
      const vpn = gateway("Vpn", gatewaySku(c), []);
      if (dc) vpnSite(vpn, dc.site, dc.gatewayAddress, dc.prefixes, dcPeer);
      for (const o of offices) vpnSite(vpn, o.site, o.gatewayAddress, allocationOf(o.site));
    }

    const dr = c.disasterRecovery;
    if (dr) {
      // The paired region's hub: its own firewall (the primary's policy) so that egress and the
      // site rules survive the loss of UK South, and a GatewaySubnet kept for a gateway built at
      // failover. UK West has no availability zones, so nothing here is zonal.
      const rgName = naming.resourceGroup("connectivity", dr.region);
      const rg = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location: dr.region, tags }, child);
      const drName = naming.name("vnet", "hub", dr.region);
      const drHub = new network.VirtualNetwork(
        drName,
        { virtualNetworkName: drName, resourceGroupName: rg.name, location: dr.region, addressSpace: { addressPrefixes: [dr.hubPrefix] }, tags },
        child,
      );
      this.drHub = drHub;
      const fwSubnet = new network.Subnet(
        `${drName}-AzureFirewallSubnet`,
        { subnetName: "AzureFirewallSubnet", virtualNetworkName: drHub.name, resourceGroupName: rg.name, addressPrefix: dr.firewallSubnet },
        child,
      );
      const gwSubnet = new network.Subnet(
        `${drName}-GatewaySubnet`,
        { subnetName: "GatewaySubnet", virtualNetworkName: drHub.name, resourceGroupName: rg.name, addressPrefix: dr.gatewaySubnet },
        { ...child, dependsOn: [fwSubnet] },
      );
      if (args.firewallPolicyId) {
        const pipName = naming.name("pip", "afw", dr.region);
        const pip = new network.PublicIPAddress(
          pipName,
          { publicIpAddressName: pipName, resourceGroupName: rg.name, location: dr.region, sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", tags },
          child,
        );
        this.publicIps.push(pip);
        const fwName = naming.name("afw", "hub", dr.region);
        const fw = new network.AzureFirewall(
          fwName,
          {
            azureFirewallName: fwName,
            resourceGroupName: rg.name,
            location: dr.region,
            sku: { name: "AZFW_VNet", tier: "Standard" },
            firewallPolicy: { id: args.firewallPolicyId },
            ipConfigurations: [{ name: "ipconfig", subnet: { id: fwSubnet.id }, publicIPAddress: { id: pip.id } }],
            tags,
          },
          { ...child, dependsOn: [gwSubnet] },
        );
        this.diagnosticTargets.push({ name: "dr-firewall", resourceId: fw.id, provider });
      }
      this.drPeer = { label: dr.region, vnet: drHub, resourceGroupName: rg.name, after: [gwSubnet], provider };
      for (const [zoneName, zone] of args.privateDnsZones ?? []) {
        new privatedns.VirtualNetworkLink(
          `pdz-${zoneName}-dr`,
          {
            virtualNetworkLinkName: `link-${drName}`,
            privateZoneName: zone.name,
            resourceGroupName: hub.resourceGroupName,
            location: "global",
            virtualNetwork: { id: drHub.id },
            registrationEnabled: false,
            tags,
          },
          child,
        );
      }
    }

    this.registerOutputs({
      gatewayIds: this.gateways.map((g) => g.id),
      connectionIds: this.connections.map((x) => x.id),
      drHubId: this.drHub?.id,
    });
  }
}
