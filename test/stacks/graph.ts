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
import { installMocks, ofType, settle, SUBSCRIPTION, type Recorded } from "./harness.js";

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
      const config = { ...file.config, "ferry:vpnSharedKey": "correct-horse-battery-staple" };
      opts.tweak?.(config);
      recorded = installMocks(opts.env, config, ["ferry:vpnSharedKey"]);
      const { readTarget } = await import("../../src/stacks/config.js");
      const { buildFerryStack } = await import("../../src/stacks/build.js");
      const pulumi = await import("@pulumi/pulumi");
      target = readTarget();
      const sharedKey = target.connectivity ? new pulumi.Config("ferry").requireSecret(target.connectivity.sharedKeySecret) : undefined;
      buildFerryStack({ target, estate: opts.estate, ...(sharedKey ? { sharedKey } : {}) });
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

    it("routes every spoke subnet's default route to the firewall's private IP, never on GatewaySubnet", () => {
      const fw = ofType(recorded, "network:AzureFirewall")[0]!;
      const fwIp = fw.state.ipConfigurations[0].privateIPAddress as string;
      expect(fwIp).toMatch(/^10\.\d+\.\d+\.4$/);
      const subnets = ofType(recorded, "network:Subnet");
      const spokeSubnets = subnets.filter((s) => !s.name.startsWith("Azure") && s.name !== "GatewaySubnet");
      expect(spokeSubnets).toHaveLength(target.network.spokes.reduce((n, s) => n + s.subnets.length, 0));
      for (const s of spokeSubnets) {
        const rt = byId(s.inputs.routeTable?.id);
        expect(rt, `route table of ${s.name}`).toBeDefined();
        expect(rt!.inputs.disableBgpRoutePropagation).toBe(true);
        expect(rt!.inputs.routes).toContainEqual(expect.objectContaining({ addressPrefix: "0.0.0.0/0", nextHopType: "VirtualAppliance", nextHopIpAddress: fwIp }));
        expect(byId(s.inputs.networkSecurityGroup?.id)?.type, `NSG of ${s.name}`).toBe("azure-native:network:NetworkSecurityGroup");
      }
      const nsgIds = spokeSubnets.map((s) => s.inputs.networkSecurityGroup.id);
      expect(new Set(nsgIds).size).toBe(nsgIds.length);
      const gw = subnets.find((s) => s.name === "GatewaySubnet")!;
      const gwRoutes = (byId(gw.inputs.routeTable?.id)?.inputs.routes ?? []) as { addressPrefix: string; nextHopIpAddress: string }[];
      expect(gwRoutes.some((r) => r.addressPrefix === "0.0.0.0/0")).toBe(false);
      expect(gwRoutes.every((r) => r.nextHopIpAddress === fwIp)).toBe(true);
      for (const spoke of ofType(recorded, "network:VirtualNetwork").filter((v) => v.name.includes("-hub-") === false)) {
        expect(spoke.inputs.dhcpOptions.dnsServers).toEqual([fwIp]);
      }
    });

    it("has public IPs only on the firewall, Bastion and gateways", () => {
      const pips = ofType(recorded, "network:PublicIPAddress");
      const users = new Map<string, string>();
      for (const r of recorded) {
        const refs = JSON.stringify(r.inputs).match(/\/mock\/azure-native:network:PublicIPAddress\/[^"]+/g) ?? [];
        for (const ref of refs) users.set(ref, r.type);
      }
      const allowed = new Set(["azure-native:network:AzureFirewall", "azure-native:network:BastionHost", "azure-native:network:VirtualNetworkGateway", "azure-native:monitor:DiagnosticSetting"]);
      for (const pip of pips) {
        expect(users.get(pip.id), `${pip.name} is attached`).toBeDefined();
        expect(allowed.has(users.get(pip.id)!), `${pip.name} used by ${users.get(pip.id)}`).toBe(true);
      }
      expect(pips.length).toBeGreaterThanOrEqual(3);
      expect(ofType(recorded, "network:NetworkInterface")).toHaveLength(0);
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
      expect(ofType(recorded, "network:AzureFirewall")[0]!.inputs.sku).toEqual({ name: "AZFW_VNet", tier: "Standard" });
      expect(ofType(recorded, "network:BastionHost")[0]!.inputs.sku).toEqual({ name: "Standard" });
      const hub = ofType(recorded, "network:VirtualNetwork").find((v) => v.name.startsWith(`vnet-${target.landingZone.prefix}-hub-${target.landingZone.region}`))!;
      const zones = ofType(recorded, "privatedns:PrivateZone").map((z) => z.name);
      expect(zones.sort()).toEqual([...target.network.privateDnsZones].sort());
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
      expect(gw[0]!.inputs.ipConfigurations[0].subnet.id).toBe(ofType(recorded, "network:Subnet").find((s) => s.name === "GatewaySubnet")!.id);
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

    it("publishes exactly the estate's Citrix applications targeted at AVD as RemoteApps", () => {
      const d = target.desktops!;
      const expected = opts.estate.applications.filter((a) => a.delivery === "citrix" && a.target === d.targetSite);
      const apps = ofType(recorded, "desktopvirtualization:Application");
      expect(apps.map((a) => a.name).sort()).toEqual(expected.map((a) => a.id).sort());
      for (const a of expected) {
        const got = apps.find((x) => x.name === a.id)!;
        expect(got.inputs.filePath).toBe(a.params!.remoteAppPath);
        expect(got.inputs.friendlyName).toBe(a.params!.remoteAppName ?? a.name);
      }
      const pool = ofType(recorded, "desktopvirtualization:HostPool")[0]!;
      expect(pool.inputs).toMatchObject({ hostPoolType: "Pooled", preferredAppGroupType: "RailApplications", hostPoolName: d.hostPoolName, maxSessionLimit: d.maxSessionLimit });
      const group = ofType(recorded, "desktopvirtualization:ApplicationGroup")[0]!;
      expect(group.inputs).toMatchObject({ applicationGroupType: "RemoteApp", hostPoolArmPath: pool.id });
      for (const a of apps) expect(a.inputs.applicationGroupName).toBe(group.name);
      expect(ofType(recorded, "desktopvirtualization:Workspace")[0]!.inputs.applicationGroupReferences).toEqual([group.id]);
      const ras = ofType(recorded, "authorization:RoleAssignment");
      expect(ras.map((r) => r.inputs.principalId).sort()).toEqual([...d.userGroups].sort());
      for (const r of ras) {
        expect(r.inputs).toMatchObject({
          scope: group.id,
          principalType: "Group",
          roleDefinitionId: `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63`,
        });
        expect(r.name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      }
    });

    if (opts.env === "prod") {
      it("pairs a DR hub in UK West, peered both ways, with private DNS linked to it", () => {
        const dr = target.connectivity!.disasterRecovery!;
        const drHub = ofType(recorded, "network:VirtualNetwork").find((v) => v.inputs.location === "ukwest")!;
        expect(drHub.inputs.addressSpace.addressPrefixes).toEqual([dr.hubPrefix]);
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
