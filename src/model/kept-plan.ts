/**
 * Reading the earlier plan that `ferry plan --keep` keeps waves of. It lives in the model, not
 * the planner, because the planner reads no files; the planner's reproducibility check
 * (planner/reproduce.ts) and the CLI both read it through here.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { canonicalJson } from "./canonical-json.js";
import { UsageError } from "./diagnostics.js";
import type { Plan } from "./plan.js";
import { parsePlan } from "./plan-file.js";

const HINT = "Name the earlier plan file as `ferry plan` wrote it (e.g. plans/q1.json, relative to the project), unedited.";

/**
 * Read the earlier plan a re-plan keeps waves of: `file` relative to the project directory
 * `dir` (as the new plan records it). Refused with `keep-invalid` when it is missing, is not a
 * plan, or does not verify against its own hash: kept waves must be exactly what was approved.
 */
export function readKeptPlan(dir: string, file: string): Plan {
  const path = isAbsolute(file) ? file : join(dir, file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read the plan to keep, ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, "keep-invalid", HINT);
  }
  let loaded;
  try {
    loaded = parsePlan(text, file);
  } catch (err) {
    throw new UsageError(`the plan to keep is not a plan: ${(err as Error).message}`, "keep-invalid", HINT);
  }
  const { hash: recorded, ...rest } = loaded.raw;
  const computed = `sha256:${createHash("sha256").update(canonicalJson(rest), "utf8").digest("hex")}`;
  if (recorded !== computed) throw new UsageError(`the plan to keep, ${file}, was modified after it was planned (its content hashes to ${computed}, it records ${typeof recorded === "string" ? recorded : "no hash"})`, "keep-invalid", HINT);
  return loaded.plan;
}
