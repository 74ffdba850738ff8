import { describe, expect, it } from "vitest";
import { generateExample } from "../../src/example/generate.js";

const hostIds = (text: string) => [...text.matchAll(/^ {2}- \{ id: ([^,]+),/gm)].map((m) => m[1]);

describe("ferry example splits big estates into files", () => {
  it("puts at most 5,000 hosts in each numbered hosts file, every host exactly once", () => {
    const files = generateExample({ apps: 12_000, seed: 7 });
    const hostFiles = files.filter((f) => f.path.startsWith("estate/hosts"));
    expect(hostFiles.map((f) => f.path)).toEqual(["estate/hosts-001.yaml", "estate/hosts-002.yaml", "estate/hosts-003.yaml"]);
    const perFile = hostFiles.map((f) => hostIds(f.text));
    for (const ids of perFile) expect(ids.length).toBeLessThanOrEqual(5000);
    const all = perFile.flat();
    expect(new Set(all).size).toBe(all.length);
    // Every application's server is somewhere.
    expect(all.filter((id) => id!.endsWith("-vm"))).toHaveLength(12_000);
    for (const f of hostFiles) expect(f.text).toMatch(/^# yaml-language-server: \$schema=\.\.\/schemas\/estate\.schema\.json\napiVersion: ferry\/v1\nkind: Estate\n\nhosts:\n/);
  });

  it("writes the same files for the same seed", () => {
    expect(generateExample({ apps: 6000, seed: 3 })).toEqual(generateExample({ apps: 6000, seed: 3 }));
  });

  it("honours a smaller hostsPerFile", () => {
    const files = generateExample({ apps: 50, seed: 1, hostsPerFile: 20 });
    expect(files.filter((f) => f.path.startsWith("estate/hosts")).map((f) => hostIds(f.text).length)).toEqual([20, 20, 16]);
  });
});
