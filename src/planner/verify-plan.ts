import { UsageError } from "../model/diagnostics.js";
import type { Plan } from "../model/plan.js";
import type { LoadedPlan } from "../model/plan-file.js";
import { computePlanHash } from "./canonical.js";
import { digestInputs } from "./inputs-digest.js";
import type { PlanInputs } from "./inputs.js";

/** The result of checking a plan's `hash` against its content. */
export interface HashCheck {
  ok: boolean;
  /** The hash the plan claims. */
  recorded: string;
  /** The hash its content actually has. */
  computed: string;
}

/** Recompute a plan's hash (RFC 8785 JSON without `hash`) and compare it with the recorded one. */
export function verifyPlanHash(plan: Readonly<Record<string, unknown>>): HashCheck {
  const recorded = typeof plan.hash === "string" ? plan.hash : "";
  const computed = computePlanHash(plan);
  return { ok: recorded === computed, recorded, computed };
}

/** One input that changed since the plan was made. */
export interface Drift {
  input: "estate" | "stack" | "runbook" | "inputs";
  /** Stack environment or runbook name; absent for the estate. */
  name?: string;
  change: "changed" | "added" | "removed";
  /** A sentence for the operator. */
  message: string;
}

/** The result of {@link checkInputsCurrent}. */
export interface InputsCheck {
  current: boolean;
  drifted: Drift[];
}

/**
 * Compare the inputs a plan was made from with the project as it is now: the estate, every
 * stack config and each runbook the plan uses. Names exactly what drifted, so the operator
 * knows whether to re-plan or to restore a file.
 */
export function checkInputsCurrent(plan: Pick<Plan, "inputsDigest" | "estateDigest" | "stacks" | "runbooks">, project: PlanInputs): InputsCheck {
  const now = digestInputs(project, Object.keys(plan.runbooks ?? {}));
  const drifted: Drift[] = [];
  if (plan.estateDigest === undefined || plan.stacks === undefined || plan.runbooks === undefined) {
    // A plan without per-input digests can only be compared as a whole.
    if (now.inputsDigest !== plan.inputsDigest) drifted.push({ input: "inputs", change: "changed", message: "the inputs (estate, stacks or runbooks) changed since the plan was made" });
    return { current: drifted.length === 0, drifted };
  }
  if (now.estate !== plan.estateDigest) drifted.push({ input: "estate", change: "changed", message: "estate/ changed since the plan was made" });
  const names = [...new Set([...Object.keys(plan.stacks), ...Object.keys(now.stacks)])].sort();
  for (const name of names) {
    const was = plan.stacks[name];
    const is = now.stacks[name];
    if (was === is) continue;
    const change = was === undefined ? "added" : is === undefined ? "removed" : "changed";
    drifted.push({ input: "stack", name, change, message: `stack ${name} (stacks/Pulumi.${name}.yaml) was ${change} since the plan was made` });
  }
  for (const name of Object.keys(plan.runbooks).sort()) {
    const was = plan.runbooks[name];
    const is = now.runbooks[name];
    if (was === is) continue;
    const change = is === "missing" ? "removed" : "changed";
    drifted.push({ input: "runbook", name, change, message: `runbook ${name} was ${change} since the plan was made` });
  }
  if (drifted.length === 0 && now.inputsDigest !== plan.inputsDigest) {
    drifted.push({ input: "inputs", change: "changed", message: "the plan's inputsDigest does not match its recorded input digests" });
  }
  return { current: drifted.length === 0, drifted };
}

/**
 * Refuse a plan that was edited after `ferry plan` wrote it, or whose inputs drifted since.
 * Throws a UsageError with code `plan-tampered` or `plan-drift`; returns when it can be trusted.
 */
export function assertPlanTrusted(loaded: LoadedPlan, file: string, project: PlanInputs): void {
  const hash = verifyPlanHash(loaded.raw);
  if (!hash.ok) {
    throw new UsageError(
      `${file} was modified after it was planned: its content hashes to ${hash.computed}, but it records ${hash.recorded || "no hash"}`,
      "plan-tampered",
      "A change board approves exactly what was planned. Re-run `ferry plan` rather than editing the file.",
    );
  }
  const inputs = checkInputsCurrent(loaded.plan, project);
  if (!inputs.current) {
    throw new UsageError(
      `${file} no longer matches its inputs: ${inputs.drifted.map((d) => d.message).join("; ")}`,
      "plan-drift",
      "Re-run `ferry plan` (and have the new plan approved), or restore the inputs the plan was made from.",
    );
  }
}
