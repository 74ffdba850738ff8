/**
 * One mocked build of a stack file and the assertions every environment must pass. Each
 * environment has its own test file (so its own process: Pulumi's runtime state is global).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { Estate } from "../../src/model/estate.js";
import type { StackTarget } from "../../src/model/stack.js";
import { contains, overlaps, parsePrefix } from "../../src/network/prefix.js";
import { installMocks, ofType, settle, type Recorded } from "./harness.js";

const ROOT = join(import.meta.dirname, "..", "..");

/** Resource types Azure gives no tags (ARM has no `tags` on them). */
export const UNTAGGABLE = new Set(
  [
    "management:ManagementGroup",
    "authorization:PolicyAssignment",
    "authorization:RoleAssignment",
    "network:Subnet",
    "network:VirtualNetworkPeering",
    "network:FirewallPolicyRuleCollectionGroup",
    "monitor:DiagnosticSetting",
    "desktopvirtualization:Application",
    "management:ManagementGroupSubscription",
    "authorization:PolicyDefinitionAtManagementGroup",
    "subscription:Alias",
    "monitor:SubscriptionDiagnosticSetting",
    "security:Pricing",
    "consumption:Budget",
    "dnsresolver:ForwardingRule",
    "dnsresolver:PrivateResolverVirtualNetworkLink",
    "network:PrivateDnsZoneGroup",
    "storage:FileShare",
    "keyvault:Secret",
  ].map((t) => `azure-native:${t}`),
);

export interface GraphOptions {
  env: "dev" | "prod";
  estate: Estate;
  /** Change the stack file's ferry config before the build (e.g. add user groups). */
  tweak?: (config: Record<string, unknown>) => void;
}

/** Build the stack under mocks once, then assert the resource graph. */
export function describeStackGraph(opts: GraphOptions): void {
  let recorded: Recorded[] = [];
  let target: StackTarget;
  const byId = (id: string) => recorded.find((r) => r.id === id);
  const one = (type: string, name: string) => {
    const found = ofType(recorded, type).filter((r) => r.name === name);
    expect(found, `${type} ${name}`).toHaveLength(1);
    return found[0]!;
  };

  describe(`the ${opts.env} stack under Pulumi mocks`, () => {
    beforeAll(async () => {
      const file = parse(await readFile(join(ROOT, "stacks", `Pulumi.${opts.env}.yaml`), "utf8")) as { config: Record<string, unknown> };
      const config = { ...file.config, "ferry:vpnSharedKey": "correct-horse-battery-staple", "ferry:sessionHostAdminPassword": "Tr0ub4dor&3-local-admin" };
      opts.tweak?.(config);
      recorded = installMocks(opts.env, config, ["ferry:vpnSharedKey", "ferry:sessionHostAdminPassword"]);
      const { readSecrets, readTarget } = await import("../../src/stacks/config.js");
      const { buildFerryStack } = await import("../../src/stacks/build.js");
      target = readTarget();
      buildFerryStack({ target, estate: opts.estate, ...readSecrets(target), now: new Date("2026-12-04T10:00:00Z") });
      await settle();
    });

    it("builds the CAF management-group tree under the prefix", () => {
      const p = target.landingZone.prefix;
      const mgs = ofType(recorded, "management:ManagementGroup");
      const parentOf = Object.fromEntries(mgs.map((m) => [m.name, (m.inputs.details?.parent?.id as string | undefined)?.split("/").pop() ?? null]));
      expect(parentOf).toEqual({
        [p]: null,
        [`${p}-platform`]: p,
        [`${p}-platform-management`]: `${p}-platform`,
        [`${p}-platform-connectivity`]: `${p}-platform`,
        [`${p}-platform-identity`]: `${p}-platform`,
        [`${p}-landingzones`]: p,
        [`${p}-landingzones-corp`]: `${p}-landingzones`,
        [`${p}-landingzones-online`]: `${p}-landingzones`,
        [`${p}-sandbox`]: p,
        [`${p}-decommissioned`]: p,
      });
    });

    it("assigns allowed locations, required tags and no public IPs in corp, with their parameters", () => {
      const p = target.landingZone.prefix;
      const mgScope = (suffix: string) => `/providers/Microsoft.Management/managementGroups/${suffix ? `${p}-${suffix}` : p}`;
      const pas = ofType(recorded, "authorization:PolicyAssignment");
      const summary = pas.map((a) => ({ name: a.name, scope: a.inputs.scope, def: (a.inputs.policyDefinitionId as string).split("/").pop(), params: a.inputs.parameters ?? {} }));
      expect(summary).toEqual(
        expect.arrayContaining([
          { name: "allowed-locations", scope: mgScope(""), def: "e56962a6-4747-49cd-b67b-bf8b01975c4c", params: { listOfAllowedLocations: { value: ["uksouth", "ukwest"] } } },
          { name: "allowed-locations-rg", scope: mgScope(""), def: "e765b5de-1225-4ba3-bd56-1ac6695af988", params: { listOfAllowedLocations: { value: ["uksouth", "ukwest"] } } },
          ...["owner", "costCentre", "dataClassification"].map((tag) => ({ name: `tag-${tag}`, scope: mgScope(""), def: "871b6d14-10aa-478d-b590-94f262ecfa99", params: { tagName: { value: tag } } })),
          {
            name: "deny-public-ip",
            scope: mgScope("landingzones-corp"),
            def: "6c112d4e-5bc7-47ae-a041-ea2d9dccd749",
            params: { listOfResourceTypesNotAllowed: { value: ["Microsoft.Network/publicIPAddresses"] } },
          },
        ]),
      );
      for (const a of pas) expect(a.name.length, a.name).toBeLessThanOrEqual(24);
    });

    it("peers every spoke with the hub both ways, with gateway transit on the hub side only", () => {
      const hub = one("network:VirtualNetwork", `vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`);
      const peerings = ofType(recorded, "network:VirtualNetworkPeering");
      for (const spoke of target.network.spokes) {
        const vnet = ofType(recorded, "network:VirtualNetwork").find((v) => v.inputs.addressSpace.addressPrefixes[0] === spoke.prefix)!;
        const out = peerings.filter((p) => p.inputs.virtualNetworkName === hub.name && p.inputs.remoteVirtualNetwork.id === vnet.id);
        const back = peerings.filter((p) => p.inputs.virtualNetworkName === vnet.name && p.inputs.remoteVirtualNetwork.id === hub.id);
        expect(out, `hub → ${spoke.id}`).toHaveLength(1);
        expect(back, `${spoke.id} → hub`).toHaveLength(1);
        expect(out[0]!.inputs).toMatchObject({ allowGatewayTransit: true, useRemoteGateways: false, allowForwardedTraffic: true });
        expect(back[0]!.inputs).toMatchObject({ allowGatewayTransit: false, useRemoteGateways: true, allowForwardedTraffic: true });
      }
    });

    it("routes every spoke subnet's default route to the firewall's private IP (not an App Gateway v2 subnet), never on GatewaySubnet", () => {
      const hubName = `vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`;
      const fw = ofType(recorded, "network:AzureFirewall").find((f) => f.inputs.location === target.landingZone.region)!;
      const fwIp = fw.state.ipConfigurations[0].privateIPAddress as string;
      expect(fwIp).toMatch(/^10\.\d+\.\d+\.4$/);
      const spokeVnets = ofType(recorded, "network:VirtualNetwork").filter((v) => target.network.spokes.some((s) => s.prefix === v.inputs.addressSpace.addressPrefixes[0]));
      const subnets = ofType(recorded, "network:Subnet");
      const spokeSubnets = subnets.filter((s) => spokeVnets.some((v) => v.name === s.inputs.virtualNetworkName));
      expect(spokeSubnets).toHaveLength(target.network.spokes.reduce((n, s) => n + s.subnets.length, 0));
      for (const s of spokeSubnets) {
        const declared = target.network.spokes.flatMap((x) => x.subnets).find((x) => x.prefix === s.inputs.addressPrefix)!;
        expect(byId(s.inputs.networkSecurityGroup?.id)?.type, `NSG of ${s.name}`).toBe("azure-native:network:NetworkSecurityGroup");
        if (declared.purpose === "app-gateway") {
          expect(s.inputs.routeTable, `${s.name} is an Application Gateway v2 subnet`).toBeUndefined();
          const rules = byId(s.inputs.networkSecurityGroup.id)!.inputs.securityRules as { sourceAddressPrefix?: string; destinationPortRange?: string; access: string }[];
          expect(rules).toContainEqual(expect.objectContaining({ sourceAddressPrefix: "GatewayManager", destinationPortRange: "65200-65535", access: "Allow" }));
          continue;
        }
        const rt = byId(s.inputs.routeTable?.id);
        expect(rt, `route table of ${s.name}`).toBeDefined();
        expect(rt!.inputs.disableBgpRoutePropagation).toBe(true);
        expect(rt!.inputs.routes).toContainEqual(expect.objectContaining({ addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: fwIp }));
        const rules = byId(s.inputs.networkSecurityGroup.id)!.inputs.securityRules as { name: string; sourceAddressPrefix?: string; access: string; direction: string }[];
        expect(rules).toContainEqual(expect.objectContaining({ sourceAddressPrefix: "Internet", access: "Deny", direction: "Inbound" }));
        expect(rules).toContainEqual(expect.objectContaining({ sourceAddressPrefix: target.network.hub.prefix, access: "Allow", direction: "Inbound" }));
      }
      const nsgIds = spokeSubnets.map((s) => s.inputs.networkSecurityGroup.id);
      expect(new Set(nsgIds).size).toBe(nsgIds.length);
      const gw = subnets.find((s) => s.name === "GatewaySubnet" && s.inputs.virtualNetworkName === hubName)!;
      const gwRoutes = (byId(gw.inputs.routeTable?.id)?.inputs.routes ?? []) as { addressPrefix: string; nextHopIpAddress: string }[];
      expect(gwRoutes.some((r) => r.addressPrefix === "0.0.0.0/0")).toBe(false);
      expect(gwRoutes.every((r) => r.nextHopIpAddress === fwIp)).toBe(true);
      for (const spoke of spokeVnets) expect(spoke.inputs.dhcpOptions.dnsServers).toEqual([fwIp]);
    });

    it("has public IPs only on the firewall, Bastion and gateways", () => {
      const pips = ofType(recorded, "network:PublicIPAddress");
      const users = new Map<string, string>();
      for (const r of recorded) {
        const refs = JSON.stringify(r.inputs).match(/\/mock\/azure-native:network:PublicIPAddress\/[^"]+/g) ?? [];
        for (const ref of refs) users.set(ref, r.type);
      }
      const allowed = new Set(["azure-native:network:AzureFirewall", "azure-native:network:BastionHost", "azure-native:network:VirtualNetworkGateway", "azure-native:monitor:DiagnosticSetting"]);
      // Every public IP carries its subscription's provider: that must be the connectivity one.
      for (const pip of pips) {
        expect(users.get(pip.id), `${pip.name} is attached`).toBeDefined();
        expect(allowed.has(users.get(pip.id)!), `${pip.name} used by ${users.get(pip.id)}`).toBe(true);
      }
      expect(pips.length).toBeGreaterThanOrEqual(3);
      for (const nic of ofType(recorded, "network:NetworkInterface")) {
        for (const c of nic.inputs.ipConfigurations) expect(c.publicIPAddress, `${nic.name} has no public IP`).toBeUndefined();
      }
    });

    it("tags every taggable resource with the required tags", () => {
      const required = target.landingZone.requiredTags;
      const untagged = recorded
        .filter((r) => r.type.startsWith("azure-native:") && !UNTAGGABLE.has(r.type))
        .filter((r) => required.some((t) => !r.inputs.tags?.[t]))
        .map((r) => `${r.type} ${r.name}`);
      expect(untagged).toEqual([]);
      expect(recorded.filter((r) => UNTAGGABLE.has(r.type) && r.inputs.tags !== undefined)).toEqual([]);
    });

    it("runs the firewall with a DNS-proxy policy, Bastion Standard and private DNS linked to the hub", () => {
      expect(ofType(recorded, "network:FirewallPolicy")[0]!.inputs).toMatchObject({ dnsSettings: { enableProxy: true }, sku: { tier: "Standard" } });
      for (const fw of ofType(recorded, "network:AzureFirewall")) expect(fw.inputs.sku).toEqual({ name: "AZFW_VNet", tier: "Standard" });
      expect(ofType(recorded, "network:BastionHost")[0]!.inputs.sku).toEqual({ name: "Standard" });
      const hub = ofType(recorded, "network:VirtualNetwork").find((v) => v.name.startsWith(`vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`))!;
      const zones = ofType(recorded, "privatedns:PrivateZone").map((z) => z.name);
      // ALZ's zones for the services this landing zone runs: Azure Files (FSLogix), Key Vault, AVD.
      const needed = target.desktops ? ["privatelink.file.core.windows.net", "privatelink.vaultcore.azure.net", "privatelink.wvd.microsoft.com"] : [];
      expect(zones.sort()).toEqual([...new Set([...target.network.privateDnsZones, ...needed])].sort());
      for (const z of zones) {
        expect(ofType(recorded, "privatedns:VirtualNetworkLink").filter((l) => l.inputs.privateZoneName === z && l.inputs.virtualNetwork.id === hub.id)).toHaveLength(1);
      }
    });

    it("links the data centre and every retained office over IPsec with the plan's prefixes", () => {
      const c = target.connectivity!;
      const lngs = ofType(recorded, "network:LocalNetworkGateway");
      const dc = target.network.dataCentre!;
      const prefixesOf = (site: string) => lngs.find((l) => l.name === `lgw-${target.landingZone.prefix}-${site}`)?.inputs.localNetworkAddressSpace.addressPrefixes;
      expect(prefixesOf(dc.site)).toEqual(dc.prefixes);
      for (const s of c.sites) expect(prefixesOf(s.site)).toEqual(target.network.sites.filter((a) => a.site === s.site).map((a) => a.prefix));
      const gw = ofType(recorded, "network:VirtualNetworkGateway");
      expect(gw.map((g) => g.inputs.gatewayType)).toEqual(["Vpn"]);
      const hubName = `vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`;
      expect(gw[0]!.inputs.ipConfigurations[0].subnet.id).toBe(ofType(recorded, "network:Subnet").find((s) => s.name === "GatewaySubnet" && s.inputs.virtualNetworkName === hubName)!.id);
      const cons = ofType(recorded, "network:VirtualNetworkGatewayConnection");
      expect(cons).toHaveLength(1 + c.sites.length);
      // The pre-shared key reaches the provider as a Pulumi secret (signature 4dabf181…), never in plain state.
      const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "correct-horse-battery-staple" };
      for (const con of cons) expect(con.inputs).toMatchObject({ connectionType: "IPsec", sharedKey: secret, virtualNetworkGateway1: { id: gw[0]!.id } });
    });

    it("sends the hub's diagnostics to the Log Analytics workspace", () => {
      const law = ofType(recorded, "operationalinsights:Workspace")[0]!;
      expect(law.inputs.sku).toEqual({ name: "PerGB2018" });
      const diag = ofType(recorded, "monitor:DiagnosticSetting");
      const targets = new Set(diag.map((d) => byId(d.inputs.resourceUri)?.type));
      for (const t of ["network:AzureFirewall", "network:VirtualNetwork", "network:BastionHost", "network:VirtualNetworkGateway"]) expect(targets).toContain(`azure-native:${t}`);
      for (const d of diag) expect(d.inputs.workspaceId).toBe(law.id);
    });

    it("publishes exactly the estate's Citrix applications targeted at AVD as RemoteApps, each in a group some user group may use", () => {
      const d = target.desktops!;
      const expected = opts.estate.applications.filter((a) => a.delivery === "citrix" && a.target === d.targetSite);
      const apps = ofType(recorded, "desktopvirtualization:Application");
      expect(apps.map((a) => a.name).sort()).toEqual(expected.map((a) => a.id).sort());
      const pool = ofType(recorded, "desktopvirtualization:HostPool")[0]!;
      expect(pool.inputs).toMatchObject({ hostPoolType: "Pooled", preferredAppGroupType: "RailApplications", hostPoolName: d.hostPoolName, maxSessionLimit: d.maxSessionLimit, startVMOnConnect: true });
      const groups = ofType(recorded, "desktopvirtualization:ApplicationGroup");
      const dvu = ofType(recorded, "authorization:RoleAssignment").filter((r) => String(r.inputs.roleDefinitionId).endsWith("/1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63"));
      for (const a of expected) {
        const got = apps.find((x) => x.name === a.id)!;
        expect(got.inputs.filePath).toBe(a.params!.remoteAppPath);
        expect(got.inputs.friendlyName).toBe(a.params!.remoteAppName ?? a.name);
        const group = groups.find((g) => g.name === got.inputs.applicationGroupName)!;
        expect(group.inputs).toMatchObject({ applicationGroupType: "RemoteApp", hostPoolArmPath: pool.id });
        const users = dvu.filter((r) => r.inputs.scope === group.id && r.inputs.principalType === "Group").map((r) => r.inputs.principalId as string);
        const wanted = a.params?.userGroups ? a.params.userGroups.split(",").map((g) => g.trim().toLowerCase()) : d.userGroups.map((g) => g.toLowerCase());
        expect(users.sort(), `who may use ${a.id}`).toEqual([...wanted].sort());
        expect(users.length, `${a.id} is visible to somebody`).toBeGreaterThan(0);
      }
      expect(ofType(recorded, "desktopvirtualization:Workspace")[0]!.inputs.applicationGroupReferences.sort()).toEqual(groups.map((g) => g.id).sort());
      for (const r of dvu) {
        expect(r.inputs.roleDefinitionId).toMatch(/^\/subscriptions\/[0-9a-f-]{36}\/providers\/Microsoft.Authorization\/roleDefinitions\//);
        expect(r.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
    });

    // Resource-graph checks written from Azure's rules, not from the program's helpers.
    const providerOf = (r: Recorded) => (r.providerId ? byId(r.providerId) : undefined);
    const subscriptionOf = (r: Recorded): string | undefined => providerOf(r)?.inputs.subscriptionId;
    const subscriptionIdOf = (role: string): string => {
      const ref = target.landingZone.subscriptions![role as "corp"]!;
      if (ref.id) return ref.id;
      return ofType(recorded, "subscription:Alias").find((a) => a.inputs.aliasName === ref.alias)!.state.properties.subscriptionId;
    };
    const PLACEMENT: Record<string, string> = {
      connectivity: "platform-connectivity",
      management: "platform-management",
      identity: "platform-identity",
      corp: "landingzones-corp",
      online: "landingzones-online",
      avd: "landingzones-corp",
    };

    it("places every subscription under its management group, through a provider bound to that subscription", () => {
      const p = target.landingZone.prefix;
      const placements = ofType(recorded, "management:ManagementGroupSubscription");
      const roles = Object.keys(target.landingZone.subscriptions!);
      expect(roles.length).toBeGreaterThanOrEqual(3);
      for (const role of roles) {
        const sub = subscriptionIdOf(role);
        const placed = placements.filter((m) => subscriptionOf(m) === sub);
        expect(placed, `${role} subscription ${sub} is placed once`).toHaveLength(1);
        expect(placed[0]!.inputs.groupId).toBe(`${p}-${PLACEMENT[role]}`);
      }
    });

    it("deploys every Azure resource below the tenant into a landing-zone subscription, the hub into connectivity and the workspace into management", () => {
      const tenantLevel = new Set(["management:ManagementGroup", "authorization:PolicyAssignment", "authorization:PolicyDefinitionAtManagementGroup", "subscription:Alias"].map((t) => `azure-native:${t}`));
      const known = new Set(Object.keys(target.landingZone.subscriptions!).map(subscriptionIdOf));
      for (const r of recorded.filter((x) => x.type.startsWith("azure-native:") && !tenantLevel.has(x.type))) {
        if (r.type === "azure-native:authorization:RoleAssignment" && String(r.inputs.scope).startsWith("/providers/Microsoft.Management/")) continue;
        expect(known.has(subscriptionOf(r) ?? "default provider"), `${r.type} ${r.name} has a subscription's provider`).toBe(true);
      }
      const hub = one("network:VirtualNetwork", `vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`);
      expect(subscriptionOf(hub)).toBe(subscriptionIdOf("connectivity"));
      expect(subscriptionOf(ofType(recorded, "operationalinsights:Workspace")[0]!)).toBe(subscriptionIdOf("management"));
    });

    it("keeps every public IP out of subscriptions whose management group denies public IPs", () => {
      const denied = ofType(recorded, "authorization:PolicyAssignment")
        .filter((a) => String(a.inputs.policyDefinitionId).endsWith("6c112d4e-5bc7-47ae-a041-ea2d9dccd749") && JSON.stringify(a.inputs.parameters).includes("Microsoft.Network/publicIPAddresses"))
        .map((a) => String(a.inputs.scope).split("/").pop());
      expect(denied).toContain(`${target.landingZone.prefix}-landingzones-corp`);
      const deniedSubs = new Set(ofType(recorded, "management:ManagementGroupSubscription").filter((m) => denied.includes(m.inputs.groupId)).map(subscriptionOf));
      for (const pip of ofType(recorded, "network:PublicIPAddress")) expect(deniedSubs.has(subscriptionOf(pip)), `${pip.name}`).toBe(false);
    });

    it("lets the session hosts reach the AVD service, Entra ID and KMS through the firewall", () => {
      const fw = ofType(recorded, "network:AzureFirewall").find((f) => f.inputs.location === target.landingZone.region)!;
      const policy = byId(fw.inputs.firewallPolicy.id)!;
      type NetRule = { ruleType: string; sourceAddresses: string[]; destinationAddresses?: string[]; destinationFqdns?: string[]; destinationPorts: string[]; ipProtocols: string[] };
      const allowRules = ofType(recorded, "network:FirewallPolicyRuleCollectionGroup")
        .filter((g) => g.inputs.firewallPolicyName === policy.name)
        .flatMap((g) => g.inputs.ruleCollections as { action: { type: string }; rules: NetRule[] }[])
        .filter((c) => c.action.type === "Allow")
        .flatMap((c) => c.rules)
        .filter((r) => r.ruleType === "NetworkRule");
      const covers = (sources: string[], prefix: string) => sources.some((s) => s === "*" || contains(parsePrefix(s)!, parsePrefix(prefix)!));
      const allowed = (prefix: string, dest: string, port: string) =>
        allowRules.some((r) => covers(r.sourceAddresses, prefix) && [...(r.destinationAddresses ?? []), ...(r.destinationFqdns ?? [])].includes(dest) && (r.destinationPorts.includes(port) || r.destinationPorts.includes("*")));
      // Microsoft's required endpoints for session hosts, by service tag (learn.microsoft.com, "Required FQDNs and endpoints").
      const desktops = target.network.spokes.find((s) => s.id === target.desktops!.spoke)!;
      for (const [tag, port] of [["WindowsVirtualDesktop", "443"], ["AzureMonitor", "443"], ["AzureFrontDoor.Frontend", "443"], ["AzureActiveDirectory", "443"]] as const) {
        expect(allowed(desktops.prefix, tag, port), `${desktops.id} → ${tag}:${port}`).toBe(true);
      }
      for (const spoke of target.network.spokes) {
        expect(allowed(spoke.prefix, "AzureActiveDirectory", "443"), `${spoke.id} → Entra ID`).toBe(true);
        expect(allowed(spoke.prefix, "azkms.core.windows.net", "1688"), `${spoke.id} → KMS`).toBe(true);
      }
    });

    it("has the firewall's DNS proxy forward to the resolver, which forwards the council's domains to its DCs", () => {
      const hub = one("network:VirtualNetwork", `vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`);
      const inbound = ofType(recorded, "dnsresolver:InboundEndpoint");
      expect(inbound).toHaveLength(1);
      const ip = inbound[0]!.inputs.ipConfigurations[0];
      const inboundSubnet = byId(ip.subnet.id)!;
      expect(inboundSubnet.inputs.virtualNetworkName).toBe(hub.name);
      expect(contains(parsePrefix(inboundSubnet.inputs.addressPrefix)!, parsePrefix(`${ip.privateIpAddress}/32`)!)).toBe(true);
      expect(ofType(recorded, "network:FirewallPolicy")[0]!.inputs.dnsSettings).toEqual({ enableProxy: true, servers: [ip.privateIpAddress] });
      const rules = ofType(recorded, "dnsresolver:ForwardingRule");
      for (const f of target.network.dnsForwarding) {
        expect(rules.find((r) => r.inputs.domainName === `${f.domain}.`)?.inputs.targetDnsServers.map((t: { ipAddress: string }) => t.ipAddress)).toEqual(f.servers);
      }
      const links = ofType(recorded, "dnsresolver:PrivateResolverVirtualNetworkLink");
      expect(links.map((l) => l.inputs.virtualNetwork.id)).toEqual([hub.id]);
    });

    it("has no two VNets and no two subnets of one VNet overlapping", () => {
      const vnets = ofType(recorded, "network:VirtualNetwork");
      const spaces = vnets.flatMap((v) => (v.inputs.addressSpace.addressPrefixes as string[]).map((p) => ({ v: v.name, p: parsePrefix(p)! })));
      for (const [i, a] of spaces.entries()) for (const b of spaces.slice(i + 1)) expect(overlaps(a.p, b.p), `${a.v} ${a.p.text} / ${b.v} ${b.p.text}`).toBe(false);
      const subnets = ofType(recorded, "network:Subnet");
      for (const v of vnets) {
        const mine = subnets.filter((s) => s.inputs.virtualNetworkName === v.name).map((s) => ({ n: s.name, p: parsePrefix(s.inputs.addressPrefix)! }));
        for (const s of mine) expect(contains(parsePrefix(v.inputs.addressSpace.addressPrefixes[0])!, s.p), `${s.n} inside ${v.name}`).toBe(true);
        for (const [i, a] of mine.entries()) for (const b of mine.slice(i + 1)) expect(overlaps(a.p, b.p), `${v.name}: ${a.n} / ${b.n}`).toBe(false);
      }
    });

    it("grants the AVD service principal Power On (Start VM on Connect) and Power On Off (scaling) where the session hosts are", () => {
      const sp = target.desktops!.avdServicePrincipalObjectId!;
      const ras = ofType(recorded, "authorization:RoleAssignment").filter((r) => r.inputs.principalId === sp);
      const hostRg = ofType(recorded, "resources:ResourceGroup").find((g) => ofType(recorded, "compute:VirtualMachine").some((vm) => vm.inputs.resourceGroupName === g.name))!;
      for (const role of ["489581de-a3bd-480d-9518-53dea7416b33", "40c5ff49-9181-41f8-ae61-143b0e78555e"]) {
        expect(ras.filter((r) => String(r.inputs.roleDefinitionId).endsWith(role) && r.inputs.scope === hostRg.id), role).toHaveLength(1);
      }
      expect(ofType(recorded, "desktopvirtualization:ScalingPlan")[0]!.inputs.hostPoolReferences[0].hostPoolArmPath).toBe(ofType(recorded, "desktopvirtualization:HostPool")[0]!.id);
    });

    it("builds the session hosts registered with the pool's token, FSLogix premium files and a Key Vault behind private endpoints", () => {
      const hosts = target.desktops!.sessionHosts!;
      const vms = ofType(recorded, "compute:VirtualMachine");
      expect(vms).toHaveLength(hosts.count);
      const agents = ofType(recorded, "compute:VirtualMachineExtension").filter((e) => e.inputs.type === "DSC");
      expect(agents).toHaveLength(hosts.count);
      for (const a of agents) {
        expect(a.inputs.settings.properties.hostPoolName).toBe(target.desktops!.hostPoolName);
        expect(JSON.stringify(a.inputs.protectedSettings)).toContain(`registration-token-for-${target.desktops!.hostPoolName}`);
      }
      expect(ofType(recorded, "compute:VirtualMachineExtension").filter((e) => e.inputs.type === (hosts.join === "entra" ? "AADLoginForWindows" : "JsonADDomainExtension"))).toHaveLength(hosts.count);
      const st = ofType(recorded, "storage:StorageAccount")[0]!;
      expect(st.inputs).toMatchObject({ kind: "FileStorage", publicNetworkAccess: "Disabled" });
      expect(st.inputs.sku.name).toMatch(/^Premium_/);
      const kv = ofType(recorded, "keyvault:Vault")[0]!;
      expect(kv.inputs.properties).toMatchObject({ publicNetworkAccess: "Disabled", enableRbacAuthorization: true });
      const pes = ofType(recorded, "network:PrivateEndpoint");
      for (const [res, group] of [[st, "file"], [kv, "vault"]] as const) {
        expect(pes.filter((p) => p.inputs.privateLinkServiceConnections[0].privateLinkServiceId === res.id && p.inputs.privateLinkServiceConnections[0].groupIds[0] === group)).toHaveLength(1);
      }
    });

    if (opts.env === "prod") {
      it("runs BGP with the data centre when it has an ASN (Azure's side 65515)", () => {
        const dc = target.network.dataCentre!;
        const vpn = ofType(recorded, "network:VirtualNetworkGateway")[0]!;
        expect(vpn.inputs).toMatchObject({ enableBgp: true, bgpSettings: { asn: 65515 } });
        const lng = one("network:LocalNetworkGateway", `lgw-${target.landingZone.prefix}-${dc.site}`);
        expect(lng.inputs.bgpSettings).toEqual({ asn: dc.bgpAsn, bgpPeeringAddress: dc.bgpPeeringAddress });
        const con = ofType(recorded, "network:VirtualNetworkGatewayConnection").find((c) => c.inputs.localNetworkGateway2.id === lng.id)!;
        expect(con.inputs.enableBgp).toBe(true);
      });

      it("pairs a DR hub in UK West, peered both ways, with private DNS linked to it", () => {
        const dr = target.connectivity!.disasterRecovery!;
        const drHub = ofType(recorded, "network:VirtualNetwork").find((v) => v.inputs.location === "ukwest")!;
        expect(drHub.inputs.addressSpace.addressPrefixes).toEqual([dr.hubPrefix]);
        // A DR hub that can carry traffic: its firewall (the primary's policy) in its own AzureFirewallSubnet.
        const drSubnets = ofType(recorded, "network:Subnet").filter((s) => s.inputs.virtualNetworkName === drHub.name);
        expect(drSubnets.map((s) => [s.name, s.inputs.addressPrefix]).sort()).toEqual([["AzureFirewallSubnet", dr.firewallSubnet], ["GatewaySubnet", dr.gatewaySubnet]]);
        const drFw = ofType(recorded, "network:AzureFirewall").find((f) => f.inputs.location === "ukwest")!;
        expect(drFw.inputs.ipConfigurations[0].subnet.id).toBe(drSubnets.find((s) => s.name === "AzureFirewallSubnet")!.id);
        expect(drFw.inputs.firewallPolicy.id).toBe(ofType(recorded, "network:FirewallPolicy")[0]!.id);
        expect(drFw.inputs.zones).toBeUndefined();
        const peers = ofType(recorded, "network:VirtualNetworkPeering");
        expect(peers.filter((p) => p.inputs.remoteVirtualNetwork.id === drHub.id)).toHaveLength(1);
        expect(peers.filter((p) => p.inputs.virtualNetworkName === drHub.name)).toHaveLength(1);
        expect(ofType(recorded, "privatedns:VirtualNetworkLink").filter((l) => l.inputs.virtualNetwork.id === drHub.id)).toHaveLength(target.network.privateDnsZones.length);
      });
    } else {
      it("has no DR hub", () => {
        expect(ofType(recorded, "network:VirtualNetwork").filter((v) => v.inputs.location !== "uksouth")).toEqual([]);
      });
    }
  });
}
