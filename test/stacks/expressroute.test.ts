/**
 * Gateway SKUs Azure accepts (issue 16, defect 5) and the program's refusal to deploy without
 * its secrets (defect 7), on a small ExpressRoute target built under mocks in its own process.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { StackTarget } from "../../src/model/stack.js";
import type * as BuildModule from "../../src/stacks/build.js";
import { fixtureEstate } from "./fixtures/estate.js";
import { installMocks, ofType, settle, type Recorded } from "./harness.js";

const SUBS = {
  connectivity: { id: "0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a51" },
  management: { id: "0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a52" },
  corp: { id: "0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a53" },
};
const config = {
  "ferry:landingZone": { prefix: "t", tags: { owner: "o", costCentre: "c", dataClassification: "d" }, subscriptions: SUBS },
  "ferry:network": {
    supernet: "10.112.0.0/16",
    hub: { prefix: "10.112.0.0/24", firewallSubnet: "10.112.0.0/26", bastionSubnet: "10.112.0.64/26", gatewaySubnet: "10.112.0.128/27" },
    spokes: [{ id: "apps", prefix: "10.112.16.0/22", subnets: [{ name: "app", prefix: "10.112.16.0/24" }] }],
    sites: [{ site: "guildhall", prefix: "10.112.64.0/20" }],
    dataCentre: { site: "county-dc", gatewayAddress: "203.0.113.110", prefixes: ["10.112.128.0/18"] },
  },
  // No sku: an ExpressRoute link used to get VpnGw1AZ. Offices on a non-AZ VPN SKU.
  "ferry:connectivity": {
    kind: "expressroute",
    officeVpnSku: "VpnGw2",
    expressRouteCircuitId: "/subscriptions/0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a51/resourceGroups/rg-er/providers/Microsoft.Network/expressRouteCircuits/er-county",
    sites: [{ site: "guildhall", gatewayAddress: "203.0.113.121" }],
  },
};

let recorded: Recorded[] = [];
let target: StackTarget;
let build: typeof BuildModule;

beforeAll(async () => {
  recorded = installMocks("dev", config, []);
  const { readTarget } = await import("../../src/stacks/config.js");
  build = await import("../../src/stacks/build.js");
  target = readTarget();
  build.buildFerryStack({ target, estate: fixtureEstate, sharedKey: "k" });
  await settle();
});

describe("gateways Azure accepts", () => {
  it("gives an ExpressRoute link without a sku the ExpressRoute gateway SKU ErGw1AZ, with a zonal IP", () => {
    const er = ofType(recorded, "network:VirtualNetworkGateway").find((g) => g.inputs.gatewayType === "ExpressRoute")!;
    expect(er.inputs.sku).toEqual({ name: "ErGw1AZ", tier: "ErGw1AZ" });
    const pip = recorded.find((r) => r.id === er.inputs.ipConfigurations[0].publicIPAddress.id)!;
    expect(pip.inputs.zones).toEqual(["1", "2", "3"]);
  });

  it("gives a non-AZ VPN SKU a regional public IP (zones would be refused)", () => {
    const vpn = ofType(recorded, "network:VirtualNetworkGateway").find((g) => g.inputs.gatewayType === "Vpn")!;
    expect(vpn.inputs.sku.name).toBe("VpnGw2");
    const pip = recorded.find((r) => r.id === vpn.inputs.ipConfigurations[0].publicIPAddress.id)!;
    expect(pip.inputs.zones).toBeUndefined();
  });

  it("connects the data centre over ExpressRoute to its circuit and the office over IPsec", () => {
    const cons = ofType(recorded, "network:VirtualNetworkGatewayConnection");
    expect(cons.map((c) => c.inputs.connectionType).sort()).toEqual(["ExpressRoute", "IPsec"]);
    expect(cons.find((c) => c.inputs.connectionType === "ExpressRoute")!.inputs.peer.id).toBe(config["ferry:connectivity"].expressRouteCircuitId);
  });
});

describe("first deployment", () => {
  it("names the missing secret and the command that sets it", () => {
    expect(() => build.buildFerryStack({ target, estate: fixtureEstate })).toThrow(
      new build.ConfigMissingError("vpnSharedKey", "the site-to-site connections need their pre-shared key"),
    );
    expect(new build.ConfigMissingError("vpnSharedKey", "x").message).toContain("ferry deploy --stack <env> --init");
  });

  it("refuses a target without subscriptions: policies would govern nothing", () => {
    const { subscriptions: _omit, ...lz } = target.landingZone;
    expect(() => build.buildFerryStack({ target: { ...target, landingZone: lz }, estate: fixtureEstate, sharedKey: "k" })).toThrow(/ferry:landingZone.subscriptions is not set/);
  });
});
