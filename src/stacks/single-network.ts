import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network/index.js";
import * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import type { NetworkTarget, Spoke } from "../model/stack.js";
import type { DiagnosticTarget } from "./landing-zone.js";
import type { Naming } from "./naming.js";

export interface SingleNetworkArgs {
  /** `ferry:network`: supernet, hub, spokes, site allocations, data centre, private DNS zones. */
  network: NetworkTarget;
  /** Azure region of the hub and spokes. */
  location: string;
  naming: Naming;
  /** Tags for every taggable resource. */
  tags: Record<string, string>;
  /** Availability zones for the firewall and public IPs. @default ["1", "2", "3"] */
  zones?: string[];
}

/** A spoke as built: its resource group, VNet and subnets by name. */
export interface BuiltSpoke {
  spoke: Spoke;
  resourceGroup: resources.ResourceGroup;
  vnet: network.VirtualNetwork;
  routeTable: network.RouteTable;
  subnets: Map<string, network.Subnet>;
  /** The spoke's last subnet: peerings wait for it (one VNet operation at a time). */
  lastSubnet: network.Subnet;
}

/**
 * The single network's Azure side: a hub VNet with Azure Firewall (policy with DNS proxy),
 * Bastion and the GatewaySubnet; spokes from config, each subnet with its NSG and a route
 * table sending 0.0.0.0/0 to the firewall (BGP propagation off, so on-premises routes learnt by
 * the gateway cannot bypass it); private DNS zones linked to the hub. Peerings are added by
 * {@link SingleNetwork.connectSpokes} once the gateway exists, because the spoke side's
 * `useRemoteGateways` fails until the hub has a gateway.
 */
export class SingleNetwork extends pulumi.ComponentResource {
  readonly resourceGroup: resources.ResourceGroup;
  readonly hub: network.VirtualNetwork;
  readonly hubSubnets: Map<string, network.Subnet> = new Map();
  readonly gatewaySubnet: network.Subnet;
  readonly firewall: network.AzureFirewall;
  readonly firewallPolicy: network.FirewallPolicy;
  /** The firewall's private address: next hop of every spoke route and the spokes' DNS server. */
  readonly firewallPrivateIp: pulumi.Output<string>;
  readonly bastion: network.BastionHost;
  readonly publicIps: network.PublicIPAddress[] = [];
  readonly spokes: Map<string, BuiltSpoke> = new Map();
  readonly privateDnsZones: Map<string, privatedns.PrivateZone> = new Map();
  readonly peerings: network.VirtualNetworkPeering[] = [];
  /** Hub resources whose diagnostics the landing zone collects. */
  readonly diagnosticTargets: DiagnosticTarget[] = [];
  private readonly args: SingleNetworkArgs;
  private lastHubSubnet: network.Subnet;

  constructor(name: string, args: SingleNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:SingleNetwork", name, {}, opts);
    this.args = args;
    const { network: net, location, naming, tags } = args;
    const zones = args.zones ?? ["1", "2", "3"];
    const child = { parent: this };

    const rgName = naming.resourceGroup("connectivity", location);
    this.resourceGroup = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location, tags }, child);
    const hubName = naming.name("vnet", "hub", location);
    this.hub = new network.VirtualNetwork(
      hubName,
      { virtualNetworkName: hubName, resourceGroupName: this.resourceGroup.name, location, addressSpace: { addressPrefixes: [net.hub.prefix] }, tags },
      child,
    );

    // Subnets are standalone and chained: Azure rejects parallel subnet writes on one VNet.
    let previous: pulumi.Resource | undefined;
    const hubSubnet = (subnetName: string, prefix: string, extra: Partial<network.SubnetArgs> = {}, after: pulumi.Resource[] = []): network.Subnet => {
      const s = new network.Subnet(
        `${hubName}-${subnetName}`,
        { subnetName, virtualNetworkName: this.hub.name, resourceGroupName: this.resourceGroup.name, addressPrefix: prefix, ...extra },
        { parent: this, dependsOn: [...(previous ? [previous] : []), ...after] },
      );
      this.hubSubnets.set(subnetName, s);
      previous = s;
      return s;
    };
    const firewallSubnet = hubSubnet("AzureFirewallSubnet", net.hub.firewallSubnet);
    const bastionSubnet = hubSubnet("AzureBastionSubnet", net.hub.bastionSubnet);
    const managementSubnet = net.hub.firewallManagementSubnet ? hubSubnet("AzureFirewallManagementSubnet", net.hub.firewallManagementSubnet) : undefined;

    const publicIp = (label: string): network.PublicIPAddress => {
      const pipName = naming.name("pip", label, location);
      const pip = new network.PublicIPAddress(
        pipName,
        { publicIpAddressName: pipName, resourceGroupName: this.resourceGroup.name, location, sku: { name: "Standard", tier: "Regional" }, publicIPAllocationMethod: "Static", zones, tags },
        child,
      );
      this.publicIps.push(pip);
      return pip;
    };

    const policyName = naming.name("afwp", "hub", location);
    this.firewallPolicy = new network.FirewallPolicy(
      policyName,
      {
        firewallPolicyName: policyName,
        resourceGroupName: this.resourceGroup.name,
        location,
        sku: { tier: "Standard" },
        threatIntelMode: "Alert",
        // DNS proxy: spokes use the firewall as DNS server, so FQDN rules and private DNS agree.
        dnsSettings: { enableProxy: true },
        tags,
      },
      child,
    );
    const onPremises = [...net.sites.map((s) => s.prefix), ...(net.dataCentre?.prefixes ?? [])];
    const spokePrefixes = net.spokes.map((s) => s.prefix);
    const rules: network.FirewallPolicyRuleCollectionGroupArgs["ruleCollections"] =
      onPremises.length > 0 && spokePrefixes.length > 0
        ? [
            {
              ruleCollectionType: "FirewallPolicyFilterRuleCollection",
              name: "single-network",
              priority: 200,
              action: { type: "Allow" },
              rules: [
                { ruleType: "NetworkRule", name: "spokes-to-sites", ipProtocols: ["Any"], sourceAddresses: spokePrefixes, destinationAddresses: onPremises, destinationPorts: ["*"] },
                { ruleType: "NetworkRule", name: "sites-to-spokes", ipProtocols: ["Any"], sourceAddresses: onPremises, destinationAddresses: spokePrefixes, destinationPorts: ["*"] },
              ],
            },
          ]
        : [];
    const ruleGroup = new network.FirewallPolicyRuleCollectionGroup(
      `${policyName}-single-network`,
      { ruleCollectionGroupName: "single-network", firewallPolicyName: this.firewallPolicy.name, resourceGroupName: this.resourceGroup.name, priority: 200, ruleCollections: rules },
      child,
    );

    const firewallPip = publicIp("afw");
    const managementPip = managementSubnet ? publicIp("afw-mgmt") : undefined;
    const firewallName = naming.name("afw", "hub", location);
    this.firewall = new network.AzureFirewall(
      firewallName,
      {
        azureFirewallName: firewallName,
        resourceGroupName: this.resourceGroup.name,
        location,
        sku: { name: "AZFW_VNet", tier: "Standard" },
        firewallPolicy: { id: this.firewallPolicy.id },
        ipConfigurations: [{ name: "ipconfig", subnet: { id: firewallSubnet.id }, publicIPAddress: { id: firewallPip.id } }],
        ...(managementSubnet && managementPip
          ? { managementIpConfiguration: { name: "mgmt-ipconfig", subnet: { id: managementSubnet.id }, publicIPAddress: { id: managementPip.id } } }
          : {}),
        zones,
        tags,
      },
      { parent: this, dependsOn: [ruleGroup, ...(managementSubnet ? [managementSubnet] : [])] },
    );
    this.firewallPrivateIp = this.firewall.ipConfigurations.apply((configs) => configs?.[0]?.privateIPAddress ?? "");

    const bastionPip = publicIp("bas");
    const bastionName = naming.name("bas", "hub", location);
    this.bastion = new network.BastionHost(
      bastionName,
      {
        bastionHostName: bastionName,
        resourceGroupName: this.resourceGroup.name,
        location,
        sku: { name: "Standard" },
        ipConfigurations: [{ name: "ipconfig", subnet: { id: bastionSubnet.id }, publicIPAddress: { id: bastionPip.id } }],
        tags,
      },
      child,
    );

    // On-premises traffic to the spokes also goes through the firewall; never 0.0.0.0/0 here.
    const gatewayRoutesName = naming.name("rt", "gateway", location);
    const gatewayRoutes = new network.RouteTable(
      gatewayRoutesName,
      {
        routeTableName: gatewayRoutesName,
        resourceGroupName: this.resourceGroup.name,
        location,
        disableBgpRoutePropagation: false,
        routes: net.spokes.map((s) => ({ name: `to-${s.id}`, addressPrefix: s.prefix, nextHopType: "VirtualAppliance", nextHopIpAddress: this.firewallPrivateIp })),
        tags,
      },
      child,
    );
    this.gatewaySubnet = hubSubnet("GatewaySubnet", net.hub.gatewaySubnet, { routeTable: { id: gatewayRoutes.id } });
    this.lastHubSubnet = this.gatewaySubnet;

    for (const spoke of net.spokes) this.spokes.set(spoke.id, this.buildSpoke(spoke));

    for (const zone of net.privateDnsZones) {
      const z = new privatedns.PrivateZone(`pdz-${zone}`, { privateZoneName: zone, resourceGroupName: this.resourceGroup.name, location: "global", tags }, child);
      new privatedns.VirtualNetworkLink(
        `pdz-${zone}-hub`,
        {
          virtualNetworkLinkName: `link-${hubName}`,
          privateZoneName: z.name,
          resourceGroupName: this.resourceGroup.name,
          location: "global",
          virtualNetwork: { id: this.hub.id },
          registrationEnabled: false,
          tags,
        },
        child,
      );
      this.privateDnsZones.set(zone, z);
    }

    this.diagnosticTargets.push(
      { name: "hub-vnet", resourceId: this.hub.id },
      { name: "hub-firewall", resourceId: this.firewall.id },
      { name: "hub-bastion", resourceId: this.bastion.id },
      ...this.publicIps.map((p, i) => ({ name: `hub-pip-${i}`, resourceId: p.id })),
    );

    this.registerOutputs({
      hubId: this.hub.id,
      firewallPrivateIp: this.firewallPrivateIp,
      spokeIds: Object.fromEntries([...this.spokes].map(([id, s]) => [id, s.vnet.id])),
    });
  }

  private buildSpoke(spoke: Spoke): BuiltSpoke {
    const { location, naming, tags } = this.args;
    const child = { parent: this };
    const rgName = naming.resourceGroup(spoke.id, location);
    const resourceGroup = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location, tags }, child);
    const vnetName = naming.name("vnet", spoke.id, location);
    const vnet = new network.VirtualNetwork(
      vnetName,
      {
        virtualNetworkName: vnetName,
        resourceGroupName: resourceGroup.name,
        location,
        addressSpace: { addressPrefixes: [spoke.prefix] },
        // The firewall is the spokes' DNS proxy.
        dhcpOptions: { dnsServers: [this.firewallPrivateIp] },
        tags,
      },
      child,
    );
    const rtName = naming.name("rt", spoke.id, location);
    const routeTable = new network.RouteTable(
      rtName,
      {
        routeTableName: rtName,
        resourceGroupName: resourceGroup.name,
        location,
        disableBgpRoutePropagation: true,
        routes: [{ name: "default-via-firewall", addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: this.firewallPrivateIp }],
        tags,
      },
      child,
    );
    const subnets = new Map<string, network.Subnet>();
    let previous: network.Subnet | undefined;
    for (const s of spoke.subnets) {
      const nsgName = naming.name("nsg", spoke.id, s.name, location);
      const nsg = new network.NetworkSecurityGroup(nsgName, { networkSecurityGroupName: nsgName, resourceGroupName: resourceGroup.name, location, securityRules: [], tags }, child);
      const subnet = new network.Subnet(
        `${vnetName}-${s.name}`,
        {
          subnetName: s.name,
          virtualNetworkName: vnet.name,
          resourceGroupName: resourceGroup.name,
          addressPrefix: s.prefix,
          networkSecurityGroup: { id: nsg.id },
          routeTable: { id: routeTable.id },
        },
        { parent: this, dependsOn: previous ? [previous] : [] },
      );
      subnets.set(s.name, subnet);
      previous = subnet;
    }
    return { spoke, resourceGroup, vnet, routeTable, subnets, lastSubnet: previous! };
  }

  /**
   * Peer every spoke with the hub in both directions. With gateways, the hub side allows
   * gateway transit and the spoke side uses the remote gateways, created strictly after the
   * gateways and the hub-side peering; hub-side peerings are chained (one hub write at a time).
   */
  connectSpokes(gateways: pulumi.Resource[] = []): void {
    const transit = gateways.length > 0;
    let previousHubSide: pulumi.Resource | undefined;
    for (const [id, s] of this.spokes) {
      const hubToSpoke = new network.VirtualNetworkPeering(
        `peer-hub-to-${id}`,
        {
          virtualNetworkPeeringName: `hub-to-${id}`,
          virtualNetworkName: this.hub.name,
          resourceGroupName: this.resourceGroup.name,
          remoteVirtualNetwork: { id: s.vnet.id },
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: transit,
          useRemoteGateways: false,
        },
        { parent: this, dependsOn: [this.lastHubSubnet, s.lastSubnet, ...gateways, ...(previousHubSide ? [previousHubSide] : [])] },
      );
      const spokeToHub = new network.VirtualNetworkPeering(
        `peer-${id}-to-hub`,
        {
          virtualNetworkPeeringName: `${id}-to-hub`,
          virtualNetworkName: s.vnet.name,
          resourceGroupName: s.resourceGroup.name,
          remoteVirtualNetwork: { id: this.hub.id },
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: false,
          useRemoteGateways: transit,
        },
        { parent: this, dependsOn: [hubToSpoke, ...gateways] },
      );
      this.peerings.push(hubToSpoke, spokeToHub);
      previousHubSide = hubToSpoke;
    }
  }
}
