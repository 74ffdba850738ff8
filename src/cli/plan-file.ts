import { readFile } from "node:fs/promises";
import { UsageError } from "../model/diagnostics.js";
import { parsePlan, type LoadedPlan } from "../planner/verify-plan.js";

/** Read and parse a plan file named on the command line (`--plan F`). */
export async function readPlanFile(file: string): Promise<LoadedPlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`plan file ${file} does not exist`, "file-not-found", "Make one with `ferry plan --out <file>`.");
    throw err;
  }
  return parsePlan(text, file);
}
