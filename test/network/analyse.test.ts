import { describe, expect, it } from "vitest";
import { analyseAddressPlan, legacyOverlaps } from "../../src/network/analyse.js";
import { estateWith, net, prodLikeTarget } from "./fixtures.js";

const codes = (r: ReturnType<typeof analyseAddressPlan>) => r.findings.map((f) => f.code);

describe("analyseAddressPlan: the target plan", () => {
  it("passes a clean plan with no legacy conflicts", () => {
    const r = analyseAddressPlan(estateWith([net("gh-servers", "guildhall", "10.1.10.0/24")]), prodLikeTarget());
    expect(r.conflicts).toBe(false);
    expect(r.findings).toEqual([]);
    expect(r.mapping).toEqual([]);
  });

  it("flags a target prefix outside the supernet", () => {
    const t = prodLikeTarget({ network: { sites: [{ site: "guildhall", prefix: "10.200.0.0/16" }] } });
    const r = analyseAddressPlan(estateWith([]), t);
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "outside-supernet", sites: ["guildhall"], prefixes: ["10.200.0.0/16", "10.96.0.0/12"] }));
    expect(r.conflicts).toBe(true);
  });

  it("flags an IPv6 prefix in an IPv4 supernet as outside it", () => {
    const t = prodLikeTarget({ network: { sites: [{ site: "guildhall", prefix: "2001:db8::/48" }] } });
    expect(codes(analyseAddressPlan(estateWith([]), t))).toContain("outside-supernet");
  });

  it("flags overlapping spokes and overlapping subnets of one VNet", () => {
    const t = prodLikeTarget({
      network: {
        spokes: [
          { id: "a", prefix: "10.97.0.0/20", subnets: [{ name: "x", prefix: "10.97.0.0/24" }, { name: "y", prefix: "10.97.0.128/25" }] },
          { id: "b", prefix: "10.97.8.0/21", subnets: [{ name: "z", prefix: "10.97.8.0/24" }] },
        ],
      },
    });
    const msgs = analyseAddressPlan(estateWith([]), t).findings.filter((f) => f.code === "target-overlap").map((f) => f.message);
    expect(msgs).toEqual(
      expect.arrayContaining([
        "spoke a 10.97.0.0/20 overlaps spoke b 10.97.8.0/21",
        "subnet a/x 10.97.0.0/24 overlaps subnet a/y 10.97.0.128/25",
      ]),
    );
  });

  it("flags a subnet outside its VNet", () => {
    const t = prodLikeTarget({ network: { spokes: [{ id: "a", prefix: "10.97.0.0/20", subnets: [{ name: "x", prefix: "10.97.16.0/24" }] }] } });
    expect(analyseAddressPlan(estateWith([]), t).findings).toContainEqual(expect.objectContaining({ code: "outside-vnet", prefixes: ["10.97.16.0/24", "10.97.0.0/20"] }));
  });

  it("flags a GatewaySubnet /28 and a subnet too small for its hosts", () => {
    const t = prodLikeTarget({
      network: {
        hub: { prefix: "10.96.0.0/22", firewallSubnet: "10.96.0.0/26", bastionSubnet: "10.96.0.64/26", gatewaySubnet: "10.96.0.128/28" },
        spokes: [{ id: "a", prefix: "10.97.0.0/20", subnets: [{ name: "x", prefix: "10.97.0.0/24", hosts: 300 }] }],
      },
    });
    const small = analyseAddressPlan(estateWith([]), t).findings.filter((f) => f.code === "subnet-too-small");
    expect(small.map((f) => f.prefixes[0])).toEqual(["10.96.0.128/28", "10.97.0.0/24"]);
    expect(small[1]!.message).toContain("use a /23");
  });
});

describe("analyseAddressPlan: legacy networks", () => {
  it("finds overlaps between sites but not nesting within one site", () => {
    const e = estateWith([
      net("gh-all", "guildhall", "10.1.0.0/16"),
      net("gh-servers", "guildhall", "10.1.10.0/24"),
      net("ab-servers", "abbey-centre", "10.1.10.0/24"),
      net("ab-users", "abbey-centre", "192.168.1.0/24"),
      net("gh-users", "guildhall", "192.168.1.0/24"),
    ]);
    const r = analyseAddressPlan(e, prodLikeTarget());
    expect(r.legacyOverlaps).toEqual([
      { a: { network: "ab-servers", site: "abbey-centre", prefix: "10.1.10.0/24" }, b: { network: "gh-all", site: "guildhall", prefix: "10.1.0.0/16" } },
      { a: { network: "ab-servers", site: "abbey-centre", prefix: "10.1.10.0/24" }, b: { network: "gh-servers", site: "guildhall", prefix: "10.1.10.0/24" } },
      { a: { network: "ab-users", site: "abbey-centre", prefix: "192.168.1.0/24" }, b: { network: "gh-users", site: "guildhall", prefix: "192.168.1.0/24" } },
    ]);
    expect(r.findings.filter((f) => f.code === "network-overlap")).toHaveLength(3);
    expect(r.conflicts).toBe(true);
  });

  it("finds a legacy network colliding with a spoke and maps it into its site's allocation", () => {
    const e = estateWith([net("dc-legacy", "county-dc", "10.97.8.0/22"), net("dc-core", "county-dc", "10.107.0.0/22")]);
    const r = analyseAddressPlan(e, prodLikeTarget());
    expect(r.targetCollisions).toEqual([{ network: "dc-legacy", site: "county-dc", legacyPrefix: "10.97.8.0/22", target: "spoke corp-apps", targetPrefix: "10.97.0.0/20" }]);
    // Same offset inside the allocation, so hosts keep their low octets: 10.97.8.25 → 10.107.8.25.
    expect(r.mapping).toEqual([{ network: "dc-legacy", site: "county-dc", legacyPrefix: "10.97.8.0/22", newPrefix: "10.107.8.0/22", host: "" }]);
  });

  it("falls back to the first free block when the same-offset block is taken", () => {
    // dc-core already sits at 10.107.8.0/22 inside county-dc's allocation (in place, not moved).
    const e = estateWith([net("dc-legacy", "county-dc", "10.97.8.0/22"), net("dc-core", "county-dc", "10.107.8.0/22")]);
    const r = analyseAddressPlan(e, prodLikeTarget());
    expect(r.targetCollisions.map((c) => c.network)).toEqual(["dc-legacy"]);
    expect(r.mapping.map((m) => m.newPrefix)).toEqual(["10.107.0.0/22"]);
  });

  it("maps deterministically: larger networks first, same offset when free, never onto an earlier allocation", () => {
    const e = estateWith([
      net("gh-a", "guildhall", "192.168.1.0/24"),
      net("gh-b", "guildhall", "10.1.0.0/23"),
      net("ab-a", "abbey-centre", "192.168.1.0/24"),
      net("ab-b", "abbey-centre", "10.1.0.0/24"),
    ]);
    const first = analyseAddressPlan(e, prodLikeTarget()).mapping;
    const again = analyseAddressPlan(estateWith([...e.networks].reverse()), prodLikeTarget()).mapping;
    expect(again).toEqual(first);
    expect(first.map((m) => `${m.network}:${m.newPrefix}`)).toEqual(["ab-a:10.106.1.0/24", "ab-b:10.106.0.0/24", "gh-a:10.104.2.0/24", "gh-b:10.104.0.0/23"]);
  });

  it("never maps into space used by another site's legacy network", () => {
    // A closing site's network squats in guildhall's allocation at gh-a's offset; the move avoids it.
    const e = estateWith([net("lr-odd", "lodge-road", "10.104.1.0/24"), net("gh-a", "guildhall", "10.97.1.0/24")]);
    const r = analyseAddressPlan(e, prodLikeTarget());
    expect(r.mapping.find((m) => m.network === "gh-a")!.newPrefix).toBe("10.104.0.0/24");
    expect(r.targetCollisions.map((c) => c.network)).toEqual(["gh-a", "lr-odd"]);
  });

  it("reports a site with no allocation, softly when the site closes", () => {
    const e = estateWith([
      net("lr-a", "lodge-road", "10.1.10.0/24"),
      net("ch-a", "civic-hall", "10.1.10.0/24"),
    ]);
    const r = analyseAddressPlan(e, prodLikeTarget());
    const na = r.findings.filter((f) => f.code === "no-allocation");
    expect(na.map((f) => [f.sites[0], f.severity])).toEqual([
      ["civic-hall", "error"],
      ["lodge-road", "info"],
    ]);
    expect(na[1]!.message).toContain("closes on 2027-03-31");
  });

  it("reports an allocation with no room left", () => {
    const t = prodLikeTarget({ network: { sites: [{ site: "guildhall", prefix: "10.104.0.0/24" }, { site: "abbey-centre", prefix: "10.106.0.0/16" }] } });
    const e = estateWith([net("gh-big", "guildhall", "10.97.0.0/23")]);
    const r = analyseAddressPlan(e, t);
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "allocation-full", sites: ["guildhall"], networks: ["gh-big"] }));
    expect(r.mapping).toEqual([]);
  });

  it("warns about a legacy network squatting inside the supernet and moves it", () => {
    const r = analyseAddressPlan(estateWith([net("gh-x", "guildhall", "10.110.0.0/24")]), prodLikeTarget());
    expect(r.findings).toEqual([expect.objectContaining({ code: "legacy-in-supernet", severity: "warning" })]);
    expect(r.conflicts).toBe(false);
    expect(r.mapping[0]!.newPrefix).toBe("10.104.0.0/24");
  });

  it("ignores networks at cloud sites, which are the target itself", () => {
    const r = analyseAddressPlan(estateWith([net("az-apps", "azure-uksouth", "10.97.0.0/24")]), prodLikeTarget());
    expect(r.findings).toEqual([]);
    expect(r.legacyNetworks).toBe(0);
  });

  it("handles IPv6 legacy networks and IPv6 allocations", () => {
    const t = prodLikeTarget({
      network: {
        sites: [
          { site: "guildhall", prefix: "10.104.0.0/16" },
          { site: "guildhall", prefix: "fd00:104::/48" },
          { site: "abbey-centre", prefix: "10.106.0.0/16" },
        ],
        supernet: "10.96.0.0/12",
      },
    });
    const e = estateWith([net("gh-v6", "guildhall", "fd00:1::/64"), net("ab-v6", "abbey-centre", "fd00:1::/56")]);
    const r = analyseAddressPlan(e, t);
    expect(r.legacyOverlaps).toHaveLength(1);
    expect(r.mapping).toContainEqual(expect.objectContaining({ network: "gh-v6", newPrefix: "fd00:104::/64" }));
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "no-allocation", networks: ["ab-v6"] }));
    // The IPv6 allocation sits outside the IPv4 supernet.
    expect(r.findings).toContainEqual(expect.objectContaining({ code: "outside-supernet", prefixes: ["fd00:104::/48", "10.96.0.0/12"] }));
  });

  it("names the site's network device as the runbook host", () => {
    const e = estateWith([net("gh-a", "guildhall", "10.97.1.0/24")], {
      hosts: [
        { id: "gh-app", site: "guildhall", address: "10.97.1.20", os: "linux" },
        { id: "gh-rtr", site: "guildhall", address: "10.97.1.1", os: "network-device" },
      ],
    });
    expect(analyseAddressPlan(e, prodLikeTarget()).mapping[0]!.host).toBe("gh-rtr");
  });

  it("moves every network of a site when asked, even without conflicts", () => {
    const e = estateWith([net("gh-a", "guildhall", "172.16.0.0/24")]);
    expect(analyseAddressPlan(e, prodLikeTarget()).mapping).toEqual([]);
    expect(analyseAddressPlan(e, prodLikeTarget(), { moveAllAt: ["guildhall"] }).mapping[0]!.newPrefix).toBe("10.104.0.0/24");
  });

  it("measures supernet utilisation", () => {
    const r = analyseAddressPlan(estateWith([net("dc-core", "county-dc", "10.107.0.0/17")]), prodLikeTarget());
    // hub /22 + spokes 2×/20 + three /16 allocations.
    expect(r.utilisation).toMatchObject({ supernet: "10.96.0.0/12", addresses: "1048576", allocated: String(1024 + 2 * 4096 + 3 * 65536) });
    expect(r.utilisation.percent).toBeCloseTo(19.62, 2);
    expect(r.utilisation.blocks.find((b) => b.name === "data centre county-dc")).toMatchObject({ used: "32768", percent: 50 });
    expect(r.utilisation.blocks.find((b) => b.name === "hub")).toMatchObject({ used: String(64 + 64 + 32 + 64) });
  });
});

describe("legacyOverlaps", () => {
  it("lists per network the prefixes it collides with, legacy and target", () => {
    const e = estateWith([net("gh-a", "guildhall", "10.1.10.0/24"), net("ab-a", "abbey-centre", "10.1.0.0/16"), net("dc-x", "county-dc", "10.97.8.0/22")]);
    expect(Object.fromEntries(legacyOverlaps(e))).toEqual({ "ab-a": ["10.1.10.0/24"], "gh-a": ["10.1.0.0/16"] });
    expect(Object.fromEntries(legacyOverlaps(e, prodLikeTarget()))).toEqual({ "ab-a": ["10.1.10.0/24"], "dc-x": ["10.97.0.0/20"], "gh-a": ["10.1.0.0/16"] });
  });
});

describe("scale", () => {
  // Measured at ~0.2 s on an idle 2-core machine; the budget leaves room for a loaded CI host
  // while still catching a quadratic pairwise comparison.
  it("analyses 10,000 overlapping legacy networks within the time budget", () => {
    const sites = ["guildhall", "abbey-centre", "county-dc", "lodge-road"];
    // Every site reuses the same 2,500 /24s: 15,000 cross-site overlaps to report and re-IP.
    const networks = Array.from({ length: 10_000 }, (_, i) => net(`n${i}`, sites[i % 4]!, `10.${i >> 10}.${(i >> 2) % 256}.0/24`));
    const started = performance.now();
    const r = analyseAddressPlan(estateWith(networks), prodLikeTarget());
    const elapsed = performance.now() - started;
    expect(r.legacyNetworks).toBe(10_000);
    expect(r.legacyOverlaps).toHaveLength(15_000);
    // Each /16 allocation holds 256 /24s; the rest are reported as allocation-full.
    expect(r.mapping).toHaveLength(3 * 256);
    expect(elapsed).toBeLessThan(2500);
  });
});
