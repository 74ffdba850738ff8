/** `ferry network` end to end: the real CLI (via tsx) on the example estate and on small projects. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const MAIN = join(ROOT, "src", "cli", "main.ts");
let work: string;

function ferry(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) =>
      done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const STACK = `config:
  ferry:landingZone:
    prefix: t
    tags: { owner: o, costCentre: c, dataClassification: d }
  ferry:network:
    supernet: 10.96.0.0/12
    hub: { prefix: 10.96.0.0/22, firewallSubnet: 10.96.0.0/26, bastionSubnet: 10.96.0.64/26, gatewaySubnet: 10.96.0.128/27 }
    spokes:
      - { id: apps, prefix: 10.97.0.0/20, subnets: [{ name: app, prefix: 10.97.0.0/24, hosts: 100 }] }
    sites:
      - { site: north, prefix: 10.104.0.0/16 }
      - { site: south, prefix: 10.105.0.0/16 }
`;

async function project(name: string, networks: string, stack = STACK): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, "estate"), { recursive: true });
  await mkdir(join(dir, "stacks"), { recursive: true });
  await writeFile(
    join(dir, "estate", "estate.yaml"),
    `apiVersion: ferry/v1
kind: Estate
sites:
  - { id: north, name: North, kind: office }
  - { id: south, name: South, kind: office }
networks:
${networks}`,
  );
  await writeFile(join(dir, "stacks", "Pulumi.prod.yaml"), stack);
  return dir;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-network-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("ferry network", () => {
  it("finds the example estate's deliberate overlaps and proposes the re-IP", async () => {
    const csv = join(work, "example.csv");
    const { code, stdout, stderr } = await ferry(["network", "--dir", ROOT, "--json", "--csv", csv]);
    expect(stderr).not.toMatch(/internal error/);
    expect(code, stderr).toBe(1);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ ok: false, stack: "prod", file: "stacks/Pulumi.prod.yaml", supernet: "10.96.0.0/12" });
    const pairs = report.legacyOverlaps.map((o: { a: { site: string; prefix: string }; b: { site: string; prefix: string } }) => `${o.a.site} ${o.a.prefix} / ${o.b.site} ${o.b.prefix}`);
    // Northampton Borough (Guildhall) and Daventry District (Abbey Centre) share 10.1.x and 192.168.1.0/24.
    expect(pairs).toContain("abbey-centre 10.1.10.0/24 / guildhall 10.1.10.0/24");
    expect(pairs).toContain("abbey-centre 192.168.1.0/24 / guildhall 192.168.1.0/24");
    // The county's 2009 network sits inside the corp-apps spoke.
    expect(report.targetCollisions).toContainEqual(expect.objectContaining({ legacyPrefix: "10.97.8.0/22", targetPrefix: "10.97.0.0/20", site: "county-dc" }));
    expect(report.mapping).toContainEqual(expect.objectContaining({ legacyPrefix: "10.97.8.0/22", newPrefix: "10.107.8.0/22", site: "county-dc" }));
    for (const m of report.mapping) expect(m.newPrefix).toMatch(/^10\.10[4-7]\./);
    const lines = (await readFile(csv, "utf8")).trim().split("\n");
    expect(lines[0]).toBe("network,site,legacyPrefix,newPrefix,host");
    expect(lines).toHaveLength(report.mapping.length + 1);
  });

  it("prints the human report with the overlaps, mapping and utilisation", async () => {
    const { code, stdout } = await ferry(["network", "--dir", ROOT]);
    expect(code).toBe(1);
    expect(stdout).toMatch(/Overlaps between legacy networks at different sites: [1-9]/);
    expect(stdout).toMatch(/cdc-legacy-apps\s+10\.97\.8\.0\/22\s+10\.107\.8\.0\/22/);
    expect(stdout).toMatch(/Supernet utilisation: [\d.]+% of 10\.96\.0\.0\/12/);
    expect(stdout).toMatch(/^Conflicts found/m);
  });

  it("exits 0 on a clean plan", async () => {
    const dir = await project("clean", "  - { id: n1, site: north, prefix: 10.1.0.0/24 }\n  - { id: s1, site: south, prefix: 10.2.0.0/24 }\n");
    const { code, stdout } = await ferry(["network", "--dir", dir]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Clean: no conflicts/);
  });

  it("exits 1 when legacy networks overlap, mapping both into their sites", async () => {
    const dir = await project("overlap", "  - { id: n1, site: north, prefix: 10.1.0.0/24 }\n  - { id: s1, site: south, prefix: 10.1.0.0/24 }\n");
    const { code, stdout } = await ferry(["network", "--dir", dir, "--json"]);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).mapping).toEqual([
      { network: "n1", site: "north", legacyPrefix: "10.1.0.0/24", newPrefix: "10.104.0.0/24", host: "" },
      { network: "s1", site: "south", legacyPrefix: "10.1.0.0/24", newPrefix: "10.105.0.0/24", host: "" },
    ]);
  });

  it("exits 2 with file:line:col on invalid input", async () => {
    const dir = await project("invalid", "  - { id: n1, site: north, prefix: 10.1.0.5/24 }\n");
    const { code, stderr } = await ferry(["network", "--dir", dir]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/estate\/estate\.yaml:\d+:\d+: .*host bits/);
  });

  it("exits 2 on an unknown stack", async () => {
    const dir = await project("stackless", "  - { id: n1, site: north, prefix: 10.1.0.0/24 }\n");
    const { code, stderr } = await ferry(["network", "--dir", dir, "--stack", "staging"]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown stack staging \(stacks: prod\)/);
  });
});
