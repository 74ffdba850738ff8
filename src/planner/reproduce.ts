/**
 * A plan is trusted only if planning the current inputs again gives exactly it. Its `hash` is
 * SHA-256 of public canonical JSON, so anyone can edit a plan (move a retained application into
 * wave 1, rename its target stack) and recompute the hash; but planning is deterministic, so an
 * edited plan is one `ferry plan` would not write, and that is what this checks.
 */
import type { Plan } from "../model/plan.js";
import { chooseTargetStack, type PlanInputs } from "./inputs.js";
import type { KeepInput } from "./keep.js";
import { readKeptPlan } from "../model/kept-plan.js";
import { planWaves } from "./plan-waves.js";

/** Why a plan is not what planning its inputs gives now; undefined when it is exactly that. */
export interface Unreproducible {
  /** The JSON path of the first difference, e.g. `waves.0.applications.3.id`, or `targetStack`. */
  path: string;
  /** What the plan file says there, and what planning gives (JSON text, cut short). */
  inFile: string;
  planned: string;
}

/**
 * Plan `project` again with the options `plan` records and compare. The plan file has already
 * passed its hash and drift checks, so equal hashes mean byte-identical canonical content.
 */
export function replanDifference(plan: Plan, raw: Readonly<Record<string, unknown>>, project: PlanInputs & { dir?: string }): Unreproducible | undefined {
  const stack = plan.targetStack ?? undefined;
  if (stack !== undefined && !project.stacks.has(stack)) {
    return { path: "targetStack", inFile: JSON.stringify(stack), planned: JSON.stringify(chooseTargetStack(project) ?? null) };
  }
  // A plan made with --keep depends on the earlier plan: the same file (verified by its hash,
  // which the new plan records) and the same waves of it, as recorded, whatever approvals or
  // runs have happened since.
  let keep: KeepInput | undefined;
  if (plan.keep) {
    let earlier: Plan;
    try {
      earlier = readKeptPlan(project.dir ?? ".", plan.keep.file);
    } catch (err) {
      return { path: "keep.file", inFile: JSON.stringify(plan.keep.file), planned: shown((err as Error).message) };
    }
    if (earlier.hash !== plan.keep.plan) return { path: "keep.plan", inFile: JSON.stringify(plan.keep.plan), planned: JSON.stringify(earlier.hash) };
    keep = { file: plan.keep.file, plan: earlier, waves: plan.keep.waves.map((w) => ({ wave: w.wave, because: w.because })) };
  }
  // The step durations measured when the plan was made, as it records them: never the journals'
  // current state, or every new run would make every approved plan unreproducible.
  const actuals = new Map(Object.entries(plan.timing?.actuals ?? {}));
  const again = planWaves(project, { stack, ...(keep ? { keep } : {}), ...(actuals.size ? { actuals } : {}) });
  if (again.hash === plan.hash) return undefined;
  return firstDifference(raw, again as unknown as Record<string, unknown>, []) ?? { path: "hash", inFile: JSON.stringify(plan.hash), planned: JSON.stringify(again.hash) };
}

const shown = (v: unknown): string => {
  const text = v === undefined ? "(absent)" : JSON.stringify(v);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
};

/** The first path (depth first, keys in sorted order) where two JSON values differ. */
function firstDifference(a: unknown, b: unknown, path: (string | number)[]): Unreproducible | undefined {
  if (path.length === 1 && path[0] === "hash") return undefined;
  const differ = (): Unreproducible => ({ path: path.join(".") || "(top level)", inFile: shown(a), planned: shown(b) });
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = firstDifference(a[i], b[i], [...path, i]);
      if (d) return d;
    }
    return a.length === b.length ? undefined : firstDifference(a[b.length], b[a.length], [...path, Math.min(a.length, b.length)]);
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ao), ...Object.keys(bo)])].sort();
    for (const k of keys) {
      const d = firstDifference(ao[k], bo[k], [...path, k]);
      if (d) return d;
    }
    return undefined;
  }
  return Object.is(a, b) ? undefined : differ();
}
