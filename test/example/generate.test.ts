import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exampleCommand } from "../../src/cli/example.js";
import { loadProject } from "../../src/model/load.js";
import { planWaves } from "../../src/planner/index.js";

describe("ferry example at scale", () => {
  // 4,000 applications put more than 3,840 servers on the estate: the point where host
  // addresses once spilled out of their site's /20 and the estate stopped validating.
  it("writes 4,000 applications that validate clean and plan with nothing unplaced", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-example-"));
    await exampleCommand({ apps: 4000, seed: 3, out: dir, force: true });
    const project = await loadProject(dir);
    expect(project.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const plan = planWaves(project);
    expect(plan.unplaced).toEqual([]);
    expect(plan.waves.length).toBeGreaterThan(1);
  }, 120_000);
});
