/**
 * The target plan's own consistency, checked by `ferry validate` at the offending value's
 * file:line:col: every prefix inside the supernet, no two VNets or allocations overlapping, every
 * subnet inside its VNet and big enough for Azure, gateway SKUs of the link's kind, BGP with a
 * peer, subscriptions that can be placed, and desktops that someone can see. Overlaps with the
 * legacy networks stay `ferry network`'s job: those are migration work, not a broken target.
 */
import type { ErrorCode } from "./codes.js";
import { rangeOf, rangesOverlap, type AddressRange } from "./common.js";
import type { Diagnostic } from "./diagnostics.js";
import type { Estate } from "./estate.js";
import { EXPRESSROUTE_SKUS, gatewaySku, SUBSCRIPTION_PLACEMENT, SUBSCRIPTION_ROLES, VPN_SKUS, type StackTarget } from "./stack.js";
import { positionOf, type PathSegment, type YamlSource } from "./yaml-source.js";

/** Largest prefix length (smallest subnet) Azure accepts for its fixed-name subnets and the resolver's. */
const MIN_SIZE: Readonly<Record<string, number>> = {
  GatewaySubnet: 27,
  AzureFirewallSubnet: 26,
  AzureFirewallManagementSubnet: 26,
  AzureBastionSubnet: 26,
  "dns-resolver-inbound": 28,
  "dns-resolver-outbound": 28,
};
const AZURE_RESERVED = 5;
/** ASNs Azure keeps for itself (gateway default 65515, route server 65517-65520, Microsoft 8074/8075/12076). */
const RESERVED_ASNS = new Set([65515, 65517, 65518, 65519, 65520, 8074, 8075, 12076]);

interface Labelled {
  label: string;
  text: string;
  range: AddressRange;
  length: number;
  path: PathSegment[];
}

/** Consistency findings for one stack file's target (`estate` for the desktops' audiences). */
export function checkStackTarget(target: StackTarget, source: YamlSource, estate?: Estate): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: PathSegment[], code: ErrorCode, message: string, severity: "error" | "warning" = "error") =>
    out.push({ file: source.file, ...positionOf(source, path), code, severity, message });
  const entry = (label: string, text: string, path: PathSegment[]): Labelled => ({ label, text, range: rangeOf(text), length: Number(text.split("/")[1]), path });
  const inside = (outer: Labelled, inner: Labelled) => inner.range.v6 === outer.range.v6 && inner.range.start >= outer.range.start && inner.range.end <= outer.range.end;

  const net = target.network;
  const N = ["config", "ferry:network"];
  const C = ["config", "ferry:connectivity"];
  const supernet = entry("supernet", net.supernet, [...N, "supernet"]);

  // Allocation level: VNets and address allocations, which must not overlap each other.
  const hub = entry("hub", net.hub.prefix, [...N, "hub", "prefix"]);
  const allocations: Labelled[] = [hub];
  const vnets: { vnet: Labelled; subnets: { name: string; e: Labelled; hosts?: number | undefined }[] }[] = [];
  const hubSubnets: { name: string; e: Labelled }[] = [];
  const hubFixed: [string, string | undefined, string][] = [
    ["AzureFirewallSubnet", net.hub.firewallSubnet, "firewallSubnet"],
    ["AzureBastionSubnet", net.hub.bastionSubnet, "bastionSubnet"],
    ["GatewaySubnet", net.hub.gatewaySubnet, "gatewaySubnet"],
    ["AzureFirewallManagementSubnet", net.hub.firewallManagementSubnet, "firewallManagementSubnet"],
    ["dns-resolver-inbound", net.hub.dnsResolverInboundSubnet, "dnsResolverInboundSubnet"],
    ["dns-resolver-outbound", net.hub.dnsResolverOutboundSubnet, "dnsResolverOutboundSubnet"],
  ];
  for (const [name, text, key] of hubFixed) if (text) hubSubnets.push({ name, e: entry(`hub subnet ${name}`, text, [...N, "hub", key]) });
  vnets.push({ vnet: hub, subnets: hubSubnets });
  net.spokes.forEach((spoke, i) => {
    const vnet = entry(`spoke ${spoke.id}`, spoke.prefix, [...N, "spokes", i, "prefix"]);
    allocations.push(vnet);
    vnets.push({
      vnet,
      subnets: spoke.subnets.map((s, j) => ({ name: s.name, e: entry(`subnet ${spoke.id}/${s.name}`, s.prefix, [...N, "spokes", i, "subnets", j, "prefix"]), hosts: s.hosts })),
    });
  });
  net.sites.forEach((a, i) => allocations.push(entry(`site ${a.site}`, a.prefix, [...N, "sites", i, "prefix"])));
  net.dataCentre?.prefixes.forEach((p, i) => allocations.push(entry(`data centre ${net.dataCentre!.site}`, p, [...N, "dataCentre", "prefixes", i])));
  const dr = target.connectivity?.disasterRecovery;
  if (dr) {
    const drHub = entry(`DR hub (${dr.region})`, dr.hubPrefix, [...C, "disasterRecovery", "hubPrefix"]);
    allocations.push(drHub);
    vnets.push({
      vnet: drHub,
      subnets: [
        { name: "AzureFirewallSubnet", e: entry("DR subnet AzureFirewallSubnet", dr.firewallSubnet, [...C, "disasterRecovery", "firewallSubnet"]) },
        { name: "GatewaySubnet", e: entry("DR subnet GatewaySubnet", dr.gatewaySubnet, [...C, "disasterRecovery", "gatewaySubnet"]) },
      ],
    });
  }

  for (const a of allocations) {
    if (!inside(supernet, a)) at(a.path, "outside-supernet", `${a.label} ${a.text} lies outside the supernet ${supernet.text}`);
  }
  allocations.forEach((a, i) => {
    for (const b of allocations.slice(0, i)) {
      if (rangesOverlap(a.range, b.range)) at(a.path, "target-overlap", `${a.label} ${a.text} overlaps ${b.label} ${b.text}: Azure cannot peer or route overlapping address spaces`);
    }
  });
  for (const { vnet, subnets } of vnets) {
    subnets.forEach(({ name, e, hosts }, i) => {
      if (!inside(vnet, e)) at(e.path, "outside-vnet", `${e.label} ${e.text} lies outside ${vnet.label} ${vnet.text}`);
      for (const other of subnets.slice(0, i)) {
        if (rangesOverlap(e.range, other.e.range)) at(e.path, "target-overlap", `${e.label} ${e.text} overlaps ${other.e.label} ${other.e.text}`);
      }
      const problem = sizeProblem(name, e, hosts);
      if (problem) at(e.path, "subnet-too-small", problem);
    });
  }
  if (Boolean(net.hub.dnsResolverInboundSubnet) !== Boolean(net.hub.dnsResolverOutboundSubnet)) {
    at([...N, "hub"], "missing-field", "the DNS Private Resolver needs both hub.dnsResolverInboundSubnet and hub.dnsResolverOutboundSubnet");
  }
  if (net.dnsForwarding.length > 0 && !net.hub.dnsResolverInboundSubnet) {
    at([...N, "dnsForwarding"], "missing-field", "dnsForwarding needs the resolver: add hub.dnsResolverInboundSubnet and hub.dnsResolverOutboundSubnet (each a /28 or larger)");
  }

  const c = target.connectivity;
  if (c) {
    const sku = gatewaySku(c);
    const family: readonly string[] = c.kind === "vpn" ? VPN_SKUS : EXPRESSROUTE_SKUS;
    if (!family.includes(sku)) {
      at([...C, "sku"], "invalid-value", `gateway SKU ${sku} is not a${c.kind === "vpn" ? " VPN" : "n ExpressRoute"} SKU (kind ${c.kind}); use one of ${family.join(", ")}`);
    }
    if (c.kind === "expressroute" && net.dataCentre && !c.expressRouteCircuitId) {
      at([...C, "kind"], "missing-field", "kind expressroute needs expressRouteCircuitId: the resource id of the data centre's circuit");
    }
  }
  const dc = net.dataCentre;
  if (dc?.bgpAsn !== undefined) {
    if (!dc.bgpPeeringAddress) at([...N, "dataCentre", "bgpAsn"], "missing-field", "bgpAsn needs dataCentre.bgpPeeringAddress: the device's BGP peer address");
    if (RESERVED_ASNS.has(dc.bgpAsn)) at([...N, "dataCentre", "bgpAsn"], "invalid-value", `ASN ${dc.bgpAsn} is reserved by Azure (65515, 65517-65520, 8074, 8075, 12076); give the data centre another`);
  }

  // Subscriptions: each is either found (id) or made (alias + billing scope), and one subscription
  // can sit under one management group only.
  const L = ["config", "ferry:landingZone", "subscriptions"];
  const placedBy = new Map<string, { role: string; mg: string }>();
  const subscriptions = target.landingZone.subscriptions;
  for (const role of subscriptions ? SUBSCRIPTION_ROLES : []) {
    const sub = subscriptions![role];
    if (!sub) continue;
    if (Boolean(sub.id) === Boolean(sub.alias)) at([...L, role], "invalid-value", `subscription ${role}: give exactly one of id (an existing subscription) or alias (a new one)`);
    if (sub.alias && !sub.billingScope) at([...L, role, "alias"], "missing-field", `subscription ${role}: a new subscription (alias) needs billingScope`);
    if (sub.monthlyBudget !== undefined && !target.landingZone.budgetAlerts) {
      at([...L, role, "monthlyBudget"], "missing-field", "a budget needs landingZone.budgetAlerts.contactEmails: someone to alert");
    }
    const key = sub.id?.toLowerCase() ?? `alias:${sub.alias}`;
    const mg = SUBSCRIPTION_PLACEMENT[role];
    const first = placedBy.get(key);
    if (first && first.mg !== mg) {
      at([...L, role], "invalid-value", `subscription ${role} is also ${first.role}: one subscription sits under one management group (${first.mg} or ${mg}), and corp's deny-public-IP policy would block the hub's public IPs`);
    } else if (!first) placedBy.set(key, { role, mg });
  }
  for (const [i, spoke] of subscriptions ? net.spokes.entries() : []) {
    const role = spoke.subscription ?? spoke.landingZone;
    if (!subscriptions![role]) at([...N, "spokes", i, spoke.subscription ? "subscription" : "landingZone"], "missing-field", `spoke ${spoke.id} lives in the ${role} subscription, which landingZone.subscriptions does not define`);
  }

  const d = target.desktops;
  if (d) {
    const D = ["config", "ferry:desktops"];
    const spoke = net.spokes.find((s) => s.id === d.spoke);
    if (spoke && !spoke.subnets.some((s) => s.purpose === "private-endpoints")) {
      at([...D, "spoke"], "missing-field", `spoke ${d.spoke} has no subnet with purpose private-endpoints: FSLogix profiles and the Key Vault are reached through private endpoints there`);
    }
    if (spoke && !spoke.subnets.some((s) => s.purpose === "workload")) at([...D, "spoke"], "missing-field", `spoke ${d.spoke} has no workload subnet for the session hosts`);
    if (!d.avdServicePrincipalObjectId) {
      at([...D], "missing-field", "desktops need avdServicePrincipalObjectId (the tenant's \"Azure Virtual Desktop\" service principal, app 9cdead84-a844-4324-93f2-b2e6bb768d07): without its Power On roles Start VM on Connect and the scaling plan do nothing");
    }
    const hosts = d.sessionHosts;
    if (hosts?.join === "ad") {
      if (!hosts.domainJoin) at([...D, "sessionHosts", "join"], "missing-field", "join ad needs sessionHosts.domainJoin (domain, user, optional ouPath)");
      if (net.dnsForwarding.length === 0) at([...D, "sessionHosts", "join"], "missing-field", "join ad needs network.dnsForwarding for the domain, or the hosts cannot find a domain controller");
    }
    if (estate) {
      const unseen = estate.applications
        .filter((a) => a.delivery === "citrix" && a.target === d.targetSite && !a.params?.userGroups)
        .map((a) => a.id)
        .sort();
      if (unseen.length > 0 && d.userGroups.length === 0) {
        at(
          [...D, "userGroups"],
          "no-audience",
          `nobody would see the RemoteApps ${unseen.join(", ")}: userGroups is empty and they have no params.userGroups; add the Entra ID group object ids of their users`,
          "warning",
        );
      }
      const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
      for (const a of estate.applications.filter((x) => x.delivery === "citrix" && x.target === d.targetSite && x.params?.userGroups)) {
        const bad = a.params!.userGroups!.split(",").map((g) => g.trim()).filter((g) => !guid.test(g));
        if (bad.length > 0) at([...D, "targetSite"], "invalid-value", `application ${a.id}: params.userGroups must be comma-separated Entra ID group object ids (not ${bad.join(", ")})`);
      }
    }
  }
  return out;
}

function sizeProblem(name: string, e: Labelled, hosts?: number): string | undefined {
  if (e.range.v6) return e.length === 64 ? undefined : `${e.label} ${e.text} must be a /64: Azure IPv6 subnets are exactly /64`;
  const fixed = MIN_SIZE[name];
  if (fixed !== undefined && e.length > fixed) return `${e.label} ${e.text} is too small: Azure needs /${fixed} or larger`;
  if (e.length > 29) return `${e.label} ${e.text} is too small: Azure's smallest IPv4 subnet is /29`;
  const usable = 2 ** (32 - e.length) - AZURE_RESERVED;
  if (hosts !== undefined && usable < hosts) return `${e.label} ${e.text} has ${usable} usable addresses (Azure keeps ${AZURE_RESERVED}) but must fit ${hosts} hosts`;
  return undefined;
}
