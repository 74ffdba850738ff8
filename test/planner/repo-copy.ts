import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, where the bundled example lives. */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** A fresh temporary copy of the bundled example's estate/, runbooks/ and stacks/. */
export function copyExample(prefix = "ferry-example-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const sub of ["estate", "runbooks", "stacks"]) cpSync(join(REPO_ROOT, sub), join(dir, sub), { recursive: true });
  return dir;
}

/**
 * A temporary copy of the example with its plan written to `plans/q1.json`, planned in-process
 * (the same bytes `ferry plan` writes, without a process start per test).
 */
export async function plannedExample(): Promise<{ dir: string; plan: string; hash: string }> {
  const { assertValid, loadProject } = await import("../../src/model/load.js");
  const { planWaves, serializePlan } = await import("../../src/planner/index.js");
  const dir = copyExample();
  const project = await loadProject(dir);
  assertValid(project);
  const plan = planWaves(project);
  const file = join(dir, "plans", "q1.json");
  mkdirSync(join(dir, "plans"));
  writeFileSync(file, serializePlan(plan));
  return { dir, plan: file, hash: plan.hash };
}
