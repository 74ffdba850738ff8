import { describe, expect, it } from "vitest";
import { parsePrefix } from "../../src/network/prefix.js";
import { lengthForHosts, subnetSizeProblem, usableAddresses } from "../../src/network/sizing.js";

const p = (t: string) => parsePrefix(t)!;

describe("subnet sizing", () => {
  it("keeps Azure's five addresses out of every subnet", () => {
    expect(usableAddresses(p("10.0.0.0/24"))).toBe(251n);
    expect(usableAddresses(p("10.0.0.0/29"))).toBe(3n);
    expect(usableAddresses(p("10.0.0.1/32"))).toBe(0n);
  });

  it("rejects a GatewaySubnet /28 and accepts a /27", () => {
    expect(subnetSizeProblem("GatewaySubnet", p("10.96.0.128/28"))).toMatch(/GatewaySubnet .* needs \/27/);
    expect(subnetSizeProblem("GatewaySubnet", p("10.96.0.128/27"))).toBeUndefined();
  });

  it("needs /26 for the firewall, its management subnet and Bastion", () => {
    for (const name of ["AzureFirewallSubnet", "AzureFirewallManagementSubnet", "AzureBastionSubnet"]) {
      expect(subnetSizeProblem(name, p("10.96.0.0/27"))).toMatch(/needs \/26/);
      expect(subnetSizeProblem(name, p("10.96.0.0/26"))).toBeUndefined();
    }
  });

  it("refuses IPv4 subnets smaller than /29, including a /32", () => {
    expect(subnetSizeProblem("app", p("10.0.0.0/30"))).toMatch(/smallest IPv4 subnet is \/29/);
    expect(subnetSizeProblem("app", p("10.0.0.0/32"))).toMatch(/smallest/);
    expect(subnetSizeProblem("app", p("10.0.0.0/29"))).toBeUndefined();
  });

  it("checks declared hosts against the usable addresses and suggests a size", () => {
    expect(subnetSizeProblem("app", p("10.0.0.0/24"), 251)).toBeUndefined();
    expect(subnetSizeProblem("app", p("10.0.0.0/24"), 252)).toMatch(/251 usable .* 252 hosts: use a \/23/);
    expect(subnetSizeProblem("app", p("10.0.0.0/29"), 4)).toMatch(/use a \/28/);
  });

  it("accepts very large subnets (a /8) and IPv6 /64s only", () => {
    expect(subnetSizeProblem("big", p("10.0.0.0/8"), 16_000_000)).toBeUndefined();
    expect(subnetSizeProblem("v6", p("2001:db8:0:1::/64"), 1_000_000)).toBeUndefined();
    expect(subnetSizeProblem("v6", p("2001:db8::/56"))).toMatch(/exactly \/64/);
  });

  it("computes the smallest prefix for a host count", () => {
    expect(lengthForHosts(4, 0)).toBe(29);
    expect(lengthForHosts(4, 3)).toBe(29);
    expect(lengthForHosts(4, 251)).toBe(24);
    expect(lengthForHosts(4, 252)).toBe(23);
    expect(lengthForHosts(6, 1)).toBe(125);
  });
});
