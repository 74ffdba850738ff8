import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network/index.js";
import * as dnsresolver from "@pulumi/azure-native/dnsresolver/index.js";
import * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import type { NetworkTarget, Spoke } from "../model/stack.js";
import { formatAddress, mustParsePrefix } from "../network/prefix.js";
import { platformRules, singleNetworkRules } from "./firewall-rules.js";
import type { DiagnosticTarget } from "./landing-zone.js";
import type { Naming } from "./naming.js";
import { bastionRules, spokeRules } from "./nsg-rules.js";
import type { PlacedSubscription } from "./subscriptions.js";

/** The nth address of a prefix (Azure keeps .0-.3, so .4 is the first a resource gets). */
export function nthAddress(prefix: string, n: number): string {
  const p = mustParsePrefix(prefix);
  return formatAddress(p.family, p.start + BigInt(n));
}

/** Another hub peered into the same chain of hub-side peerings (the DR hub). */
export interface PeeredHub {
  label: string;
  vnet: network.VirtualNetwork;
  resourceGroupName: pulumi.Input<string>;
  /** The remote hub's last subnet write: its peering waits for it. */
  after: pulumi.Resource[];
  provider: pulumi.ProviderResource;
}

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
  /** The connectivity subscription (hub, gateways, DNS) and the subscription of each spoke. */
  connectivity: PlacedSubscription;
  spokeSubscription: (spoke: Spoke) => PlacedSubscription;
  /** Spoke whose subnets host the AVD session hosts (gets the AVD firewall rules). */
  desktopsSpoke?: string;
  /** Private DNS zones the landing zone's own services need, added to `network.privateDnsZones`. @default [] */
  requiredPrivateDnsZones?: string[];
}

/** A spoke as built: its resource group, VNet and subnets by name. */
export interface BuiltSpoke {
  spoke: Spoke;
  resourceGroup: resources.ResourceGroup;
  vnet: network.VirtualNetwork;
  routeTable: network.RouteTable;
  subscription: PlacedSubscription;
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
  /** The DNS Private Resolver's inbound address: the firewall's DNS proxy forwards to it. */
  readonly resolverInboundIp?: string;
  readonly dnsResolver?: dnsresolver.DnsResolver;
  readonly ddosPlan?: network.DdosProtectionPlan;
  /** Hub resources whose diagnostics the landing zone collects. */
  readonly diagnosticTargets: DiagnosticTarget[] = [];
  private readonly args: SingleNetworkArgs;
  private lastHubSubnet: network.Subnet;

  constructor(name: string, args: SingleNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:SingleNetwork", name, {}, opts);
    this.args = args;
    const { network: net, location, naming, tags } = args;
    const zones = args.zones ?? ["1", "2", "3"];
    const provider = args.connectivity.provider;
    const child = { parent: this, provider };

    const rgName = naming.resourceGroup("connectivity", location);
    this.resourceGroup = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location, tags }, { ...child, dependsOn: [args.connectivity.placement] });
    if (net.ddosProtection) {
      const planName = naming.name("ddos", location);
      this.ddosPlan = new network.DdosProtectionPlan(planName, { ddosProtectionPlanName: planName, resourceGroupName: this.resourceGroup.name, location, tags }, child);
    }
    const hubName = naming.name("vnet", "hub", location);
    this.hub = new network.VirtualNetwork(
      hubName,
      { virtualNetworkName: hubName, resourceGroupName: this.resourceGroup.name, location, addressSpace: { addressPrefixes: [net.hub.prefix] }, ...this.ddos(), tags },
      child,
    );

    // Subnets are standalone and chained: Azure rejects parallel subnet writes on one VNet.
    let previous: pulumi.Resource | undefined;
    const hubSubnet = (subnetName: string, prefix: string, extra: Partial<network.SubnetArgs> = {}, after: pulumi.Resource[] = []): network.Subnet => {
      const s = new network.Subnet(
        `${hubName}-${subnetName}`,
        { subnetName, virtualNetworkName: this.hub.name, resourceGroupName: this.resourceGroup.name, addressPrefix: prefix, ...extra },
        { parent: this, provider, dependsOn: [...(previous ? [previous] : []), ...after] },
      );
      this.hubSubnets.set(subnetName, s);
      previous = s;
      return s;
    };
    const firewallSubnet = hubSubnet("AzureFirewallSubnet", net.hub.firewallSubnet);
    // Bastion's subnet carries the NSG rules Microsoft documents for it (Bastion refuses others).
    const bastionNsgName = naming.name("nsg", "bastion", location);
    const bastionNsg = new network.NetworkSecurityGroup(
      bastionNsgName,
      { networkSecurityGroupName: bastionNsgName, resourceGroupName: this.resourceGroup.name, location, securityRules: bastionRules(), tags },
      child,
    );
    const bastionSubnet = hubSubnet("AzureBastionSubnet", net.hub.bastionSubnet, { networkSecurityGroup: { id: bastionNsg.id } });
    const managementSubnet = net.hub.firewallManagementSubnet ? hubSubnet("AzureFirewallManagementSubnet", net.hub.firewallManagementSubnet) : undefined;

    // DNS Private Resolver: its inbound endpoint answers for the private DNS zones linked to the hub
    // and, through the forwarding ruleset linked to the hub, for the council's AD domains.
    if (net.hub.dnsResolverInboundSubnet && net.hub.dnsResolverOutboundSubnet) {
      const delegation = { delegations: [{ name: "dnsResolvers", serviceName: "Microsoft.Network/dnsResolvers" }] };
      const inboundSubnet = hubSubnet("dns-resolver-inbound", net.hub.dnsResolverInboundSubnet, delegation);
      const outboundSubnet = hubSubnet("dns-resolver-outbound", net.hub.dnsResolverOutboundSubnet, delegation);
      const resolverName = naming.name("dnspr", "hub", location);
      const resolver = new dnsresolver.DnsResolver(
        resolverName,
        { dnsResolverName: resolverName, resourceGroupName: this.resourceGroup.name, location, virtualNetwork: { id: this.hub.id }, tags },
        { ...child, dependsOn: [outboundSubnet] },
      );
      this.dnsResolver = resolver;
      // A static address, so the firewall's DNS servers are known before the resolver exists.
      this.resolverInboundIp = nthAddress(net.hub.dnsResolverInboundSubnet, 4);
      new dnsresolver.InboundEndpoint(
        `${resolverName}-in`,
        {
          inboundEndpointName: "inbound",
          dnsResolverName: resolver.name,
          resourceGroupName: this.resourceGroup.name,
          location,
          ipConfigurations: [{ subnet: { id: inboundSubnet.id }, privateIpAllocationMethod: "Static", privateIpAddress: this.resolverInboundIp }],
          tags,
        },
        child,
      );
      const outbound = new dnsresolver.OutboundEndpoint(
        `${resolverName}-out`,
        { outboundEndpointName: "outbound", dnsResolverName: resolver.name, resourceGroupName: this.resourceGroup.name, location, subnet: { id: outboundSubnet.id }, tags },
        child,
      );
      if (net.dnsForwarding.length > 0) {
        const rulesetName = naming.name("dnsfrs", "hub", location);
        const ruleset = new dnsresolver.DnsForwardingRuleset(
          rulesetName,
          { dnsForwardingRulesetName: rulesetName, resourceGroupName: this.resourceGroup.name, location, dnsResolverOutboundEndpoints: [{ id: outbound.id }], tags },
          child,
        );
        for (const f of net.dnsForwarding) {
          new dnsresolver.ForwardingRule(
            `${rulesetName}-${f.domain}`,
            {
              forwardingRuleName: f.domain.replace(/\./g, "-"),
              dnsForwardingRulesetName: ruleset.name,
              resourceGroupName: this.resourceGroup.name,
              // Azure wants the trailing dot of a fully qualified name.
              domainName: `${f.domain}.`,
              forwardingRuleState: "Enabled",
              targetDnsServers: f.servers.map((ipAddress) => ({ ipAddress, port: 53 })),
            },
            child,
          );
        }
        new dnsresolver.PrivateResolverVirtualNetworkLink(
          `${rulesetName}-hub`,
          { virtualNetworkLinkName: `link-${hubName}`, dnsForwardingRulesetName: ruleset.name, resourceGroupName: this.resourceGroup.name, virtualNetwork: { id: this.hub.id } },
          child,
        );
      }
    }

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
        // DNS proxy: spokes use the firewall as DNS server, so FQDN rules and private DNS agree;
        // it forwards to the resolver (private zones and the council's AD), else to Azure DNS.
        dnsSettings: { enableProxy: true, ...(this.resolverInboundIp ? { servers: [this.resolverInboundIp] } : {}) },
        tags,
      },
      child,
    );
    const onPremises = [...net.sites.map((s) => s.prefix), ...(net.dataCentre?.prefixes ?? [])];
    this.onPremises = onPremises;
    const ruleInputs = {
      spokePrefixes: net.spokes.map((s) => s.prefix),
      onPremises,
      ...(args.desktopsSpoke ? { desktopsPrefix: net.spokes.find((s) => s.id === args.desktopsSpoke)?.prefix } : {}),
    } as Parameters<typeof platformRules>[0];
    // One rule collection group at a time: Azure rejects parallel writes to one policy.
    const siteRules = new network.FirewallPolicyRuleCollectionGroup(
      `${policyName}-single-network`,
      { ruleCollectionGroupName: "single-network", firewallPolicyName: this.firewallPolicy.name, resourceGroupName: this.resourceGroup.name, priority: 200, ruleCollections: singleNetworkRules(ruleInputs) },
      child,
    );
    const ruleGroup = new network.FirewallPolicyRuleCollectionGroup(
      `${policyName}-platform`,
      { ruleCollectionGroupName: "platform", firewallPolicyName: this.firewallPolicy.name, resourceGroupName: this.resourceGroup.name, priority: 300, ruleCollections: platformRules(ruleInputs) },
      { ...child, dependsOn: [siteRules] },
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
      { parent: this, provider, dependsOn: [ruleGroup, ...(managementSubnet ? [managementSubnet] : [])] },
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

    for (const zone of [...new Set([...net.privateDnsZones, ...(args.requiredPrivateDnsZones ?? [])])].sort()) {
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
      { name: "hub-vnet", resourceId: this.hub.id, provider },
      { name: "hub-firewall", resourceId: this.firewall.id, provider },
      { name: "hub-bastion", resourceId: this.bastion.id, provider },
      ...this.publicIps.map((p, i) => ({ name: `hub-pip-${i}`, resourceId: p.id, provider })),
    );

    this.registerOutputs({
      hubId: this.hub.id,
      firewallPrivateIp: this.firewallPrivateIp,
      spokeIds: Object.fromEntries([...this.spokes].map(([id, s]) => [id, s.vnet.id])),
    });
  }

  private buildSpoke(spoke: Spoke): BuiltSpoke {
    const { location, naming, tags } = this.args;
    const subscription = this.args.spokeSubscription(spoke);
    const child = { parent: this, provider: subscription.provider };
    const rgName = naming.resourceGroup(spoke.id, location);
    const resourceGroup = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location, tags }, { ...child, dependsOn: [subscription.placement] });
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
        ...this.ddos(),
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
      const nsg = new network.NetworkSecurityGroup(
        nsgName,
        { networkSecurityGroupName: nsgName, resourceGroupName: resourceGroup.name, location, securityRules: spokeRules(s.purpose, this.args.network.hub.prefix, this.onPremises), tags },
        child,
      );
      const subnet = new network.Subnet(
        `${vnetName}-${s.name}`,
        {
          subnetName: s.name,
          virtualNetworkName: vnet.name,
          resourceGroupName: resourceGroup.name,
          addressPrefix: s.prefix,
          networkSecurityGroup: { id: nsg.id },
          // Application Gateway v2 does not support a default route to a virtual appliance.
          ...(s.purpose === "app-gateway" ? {} : { routeTable: { id: routeTable.id } }),
        },
        { ...child, dependsOn: previous ? [previous] : [] },
      );
      subnets.set(s.name, subnet);
      previous = subnet;
    }
    return { spoke, resourceGroup, vnet, routeTable, subscription, subnets, lastSubnet: previous! };
  }

  private onPremises: string[] = [];

  /** DDoS Network Protection on a VNet, when the target asks for it. */
  private ddos(): Partial<network.VirtualNetworkArgs> {
    return this.ddosPlan ? { enableDdosProtection: true, ddosProtectionPlan: { id: this.ddosPlan.id } } : {};
  }

  /** Public IPs inherit the VNet's DDoS plan. */
  private ddosPip(): Partial<network.PublicIPAddressArgs> {
    return this.ddosPlan ? { ddosSettings: { protectionMode: "VirtualNetworkInherited" } } : {};
  }

  /**
   * Peer every spoke with the hub in both directions. With gateways, the hub side allows
   * gateway transit and the spoke side uses the remote gateways, created strictly after the
   * gateways and the hub-side peering; hub-side peerings are chained (one hub write at a time).
   */
  connectSpokes(gateways: pulumi.Resource[] = [], hubs: PeeredHub[] = []): void {
    const transit = gateways.length > 0;
    const provider = this.args.connectivity.provider;
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
        { parent: this, provider, dependsOn: [this.lastHubSubnet, s.lastSubnet, ...gateways, ...(previousHubSide ? [previousHubSide] : [])] },
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
        { parent: this, provider: s.subscription.provider, dependsOn: [hubToSpoke, ...gateways] },
      );
      this.peerings.push(hubToSpoke, spokeToHub);
      previousHubSide = hubToSpoke;
    }
    // Other hubs join the same chain: a hub-side peering written beside another fails with
    // AnotherOperationInProgress. Hubs neither offer nor use each other's gateways.
    for (const h of hubs) {
      const toRemote = new network.VirtualNetworkPeering(
        `peer-hub-to-${h.label}`,
        {
          virtualNetworkPeeringName: `hub-to-${h.label}`,
          virtualNetworkName: this.hub.name,
          resourceGroupName: this.resourceGroup.name,
          remoteVirtualNetwork: { id: h.vnet.id },
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: false,
          useRemoteGateways: false,
        },
        { parent: this, provider, dependsOn: [this.lastHubSubnet, ...h.after, ...gateways, ...(previousHubSide ? [previousHubSide] : [])] },
      );
      const back = new network.VirtualNetworkPeering(
        `peer-${h.label}-to-hub`,
        {
          virtualNetworkPeeringName: `${h.label}-to-hub`,
          virtualNetworkName: h.vnet.name,
          resourceGroupName: h.resourceGroupName,
          remoteVirtualNetwork: { id: this.hub.id },
          allowVirtualNetworkAccess: true,
          allowForwardedTraffic: true,
          allowGatewayTransit: false,
          useRemoteGateways: false,
        },
        { parent: this, provider: h.provider, dependsOn: [toRemote] },
      );
      this.peerings.push(toRemote, back);
      previousHubSide = toRemote;
    }
  }
}
