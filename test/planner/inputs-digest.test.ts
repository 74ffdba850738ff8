import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertValid, loadProject } from "../../src/model/load.js";
import type { Plan } from "../../src/model/plan.js";
import { checkInputsCurrent, planWaves, serializePlan } from "../../src/planner/index.js";
import { copyExample } from "./repo-copy.js";

async function planOf(dir: string): Promise<Plan> {
  const project = await loadProject(dir);
  assertValid(project);
  return planWaves(project);
}

describe("inputsDigest on the bundled example", () => {
  let dir: string;
  let base: Plan;
  beforeAll(async () => {
    dir = copyExample();
    base = await planOf(dir);
  });

  it("records the estate, every stack and each runbook the plan uses, and digests them all", () => {
    expect(base.estateDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(Object.keys(base.stacks!)).toEqual(["dev", "prod"]);
    const used = [...new Set(base.waves.flatMap((w) => w.applications.map((a) => a.runbook)))].sort();
    expect(Object.keys(base.runbooks!)).toEqual(used);
  });

  it("gives byte-identical plans when the project is planned twice", async () => {
    expect(serializePlan(await planOf(dir))).toBe(serializePlan(base));
  });

  const edits: [string, string, RegExp][] = [
    ["an estate file", "estate/datasets.yaml", /^estate\/ changed/],
    ["a runbook the plan uses", "runbooks/rehost-vm.yaml", /^runbook rehost-vm was changed/],
    ["a stack config", "stacks/Pulumi.dev.yaml", /^stack dev \(stacks\/Pulumi.dev.yaml\) was changed/],
  ];
  for (const [what, file, message] of edits) {
    it(`changes when ${what} changes, and the drift check names it`, async () => {
      const copy = copyExample();
      appendFileSync(join(copy, file), "\n# edited after planning\n");
      const project = await loadProject(copy);
      const after = planWaves(project);
      expect(after.inputsDigest).not.toBe(base.inputsDigest);
      const drift = checkInputsCurrent(base, project);
      expect(drift.current).toBe(false);
      expect(drift.drifted.map((d) => d.message)).toEqual([expect.stringMatching(message)]);
    });
  }

  it("does not change when a runbook no application uses is added", async () => {
    const copy = copyExample();
    writeFileSync(join(copy, "runbooks/spare.yaml"), readFileSync(join(copy, "runbooks/retire.yaml"), "utf8").replace("name: retire", "name: spare"));
    const project = await loadProject(copy);
    assertValid(project);
    expect(project.runbooks.has("spare")).toBe(true);
    expect(planWaves(project).inputsDigest).toBe(base.inputsDigest);
    expect(checkInputsCurrent(base, project).current).toBe(true);
  });
});
