/**
 * The plan a run or an approval acts on: read from its file, its hash verified, its inputs
 * compared with the project as it is now, and the wave looked up.
 */
import { UsageError } from "../model/diagnostics.js";
import type { Project } from "../model/load.js";
import type { Plan, Wave } from "../model/plan.js";
import { assertPlanTrusted } from "../planner/verify-plan.js";
import { replanDifference } from "../planner/reproduce.js";
import { readPlanFile, type LoadedPlan } from "../model/plan-file.js";
import { loadContextProject, type RunsContext } from "./context.js";

/**
 * Read a plan file and the project, and refuse the plan unless its hash verifies, its inputs
 * are the project's as it is now, and planning those inputs again gives exactly this plan (an
 * edit with a recomputed hash is caught here). The plan is read first: a missing plan file is
 * the cheaper, likelier mistake to report.
 */
export async function readTrustedPlan(ctx: Pick<RunsContext, "dir" | "loadProject">, file: string): Promise<LoadedPlan & { project: Project }> {
  const loaded = await readPlanFile(file);
  const project = await loadContextProject(ctx);
  assertPlanTrusted(loaded, file, project);
  const edited = replanDifference(loaded.plan, loaded.raw, project);
  if (edited) {
    throw new UsageError(
      `${file} is not the plan ferry makes from these inputs: at ${edited.path} it has ${edited.inFile}, planning gives ${edited.planned}`,
      "plan-not-reproducible",
      "A plan is trusted only as `ferry plan` wrote it. Re-run `ferry plan` (and have the new plan approved) instead of editing it.",
    );
  }
  return { ...loaded, project };
}

/** The wave with that number, or a usage error listing the plan's waves. */
export function findWave(plan: Plan, file: string, wave: number): Wave {
  const w = plan.waves.find((x) => x.number === wave);
  if (w) return w;
  const numbers = plan.waves.map((x) => x.number);
  throw new UsageError(
    `${file} has no wave ${wave}`,
    "wave-not-found",
    numbers.length ? `Its waves are ${numbers.length > 12 ? `1 to ${numbers[numbers.length - 1]}` : numbers.join(", ")}.` : "The plan has no waves at all.",
  );
}
