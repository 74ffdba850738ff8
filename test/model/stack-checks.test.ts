/** The target plan's own consistency is a validation error at the offending value (issue 16, item 9). */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/model/diagnostics.js";
import { loadProject } from "../../src/model/load.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

async function findings(stack: string): Promise<string[]> {
  const project = await loadProject(projectDir({ ...SMALL_ESTATE, "stacks/Pulumi.prod.yaml": stack }));
  return project.diagnostics.map(formatDiagnostic);
}

const SUBS = `    subscriptions:
      connectivity: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a51 }
      management: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a52 }
      corp: { id: 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a53 }
`;
const stack = (opts: { supernet?: string; spokes?: string; connectivity?: string; subs?: string } = {}) => `config:
  ferry:landingZone:
    prefix: wnc
${opts.subs ?? SUBS}  ferry:network:
    supernet: ${opts.supernet ?? "172.16.0.0/12"}
    hub: { prefix: 172.16.0.0/22, firewallSubnet: 172.16.0.0/26, bastionSubnet: 172.16.0.64/26, gatewaySubnet: 172.16.0.128/27 }
    spokes:
${opts.spokes ?? "      - { id: corp-apps, prefix: 172.25.0.0/20, subnets: [{ name: app, prefix: 172.25.0.0/22 }] }\n"}${opts.connectivity ?? ""}`;

describe("ferry validate: the target plan's own consistency", () => {
  it("accepts a consistent target", async () => {
    expect(await findings(stack())).toEqual([]);
  });

  it("reports a DR hub overlapping a spoke at the DR hub's prefix", async () => {
    const dr = "  ferry:connectivity:\n    disasterRecovery: { hubPrefix: 172.25.0.0/22, firewallSubnet: 172.25.0.0/26, gatewaySubnet: 172.25.0.64/27 }\n";
    expect(await findings(stack({ connectivity: dr }))).toEqual([
      "stacks/Pulumi.prod.yaml:14:36: DR hub (ukwest) 172.25.0.0/22 overlaps spoke corp-apps 172.25.0.0/20: Azure cannot peer or route overlapping address spaces [target-overlap]",
    ]);
  });

  it("reports two overlapping spokes at the second", async () => {
    const spokes =
      "      - { id: corp-apps, prefix: 172.25.0.0/20, subnets: [{ name: app, prefix: 172.25.0.0/22 }] }\n" +
      "      - { id: avd, prefix: 172.25.8.0/21, subnets: [{ name: hosts, prefix: 172.25.8.0/24 }] }\n";
    expect(await findings(stack({ spokes }))).toEqual([
      "stacks/Pulumi.prod.yaml:13:28: spoke avd 172.25.8.0/21 overlaps spoke corp-apps 172.25.0.0/20: Azure cannot peer or route overlapping address spaces [target-overlap]",
    ]);
  });

  it("reports every prefix a shrunk supernet no longer holds", async () => {
    expect(await findings(stack({ supernet: "172.16.0.0/15" }))).toEqual([
      "stacks/Pulumi.prod.yaml:12:34: spoke corp-apps 172.25.0.0/20 lies outside the supernet 172.16.0.0/15 [outside-supernet]",
    ]);
  });

  it("reports subnets outside their VNet, overlapping, or too small for Azure", async () => {
    const spokes = "      - { id: corp-apps, prefix: 172.25.0.0/20, subnets: [{ name: a, prefix: 172.26.0.0/24 }, { name: b, prefix: 172.25.0.0/24, hosts: 300 }, { name: c, prefix: 172.25.0.128/25 }, { name: d, prefix: 172.25.1.0/30 }] }\n";
    const out = await findings(stack({ spokes }));
    expect(out.map((l) => l.replace(/^.*\[/, "["))).toEqual(["[outside-vnet]", "[subnet-too-small]", "[target-overlap]", "[subnet-too-small]"]);
  });

  it("refuses a gateway SKU of the wrong family for the link", async () => {
    const out = await findings(stack({ connectivity: "  ferry:connectivity:\n    kind: expressroute\n    sku: VpnGw1AZ\n" }));
    expect(out).toEqual([
      "stacks/Pulumi.prod.yaml:15:10: gateway SKU VpnGw1AZ is not an ExpressRoute SKU (kind expressroute); use one of Standard, HighPerformance, UltraPerformance, ErGw1AZ, ErGw2AZ, ErGw3AZ, ErGwScale [invalid-value]",
    ]);
  });

  it("refuses one subscription under two management groups", async () => {
    const subs = SUBS.replace("0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a53", "0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a51");
    const out = await findings(stack({ subs }));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^stacks\/Pulumi.prod.yaml:7:13: subscription corp is also connectivity: one subscription sits under one management group .*\[invalid-value\]$/);
  });
});
