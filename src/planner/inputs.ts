import type { Project } from "../model/load.js";
import type { KeepInput } from "./keep.js";
import type { StepActuals } from "../timing/types.js";

/**
 * What the planner reads from a loaded project: the estate, runbooks, stacks and file digests,
 * and the estate's references as validation resolved them (resolved again when absent).
 */
export type PlanInputs = Pick<Project, "estate" | "runbooks" | "stacks" | "files"> & Partial<Pick<Project, "refs">>;

/** Options of {@link planWaves}. */
export interface PlanOptions {
  /**
   * The stack whose target address plan `reip-required` warnings are checked against.
   * @default "prod" when the project has it, else its only stack, else none (legacy overlaps only)
   */
  stack?: string;
  /** An earlier plan whose approved or run waves to keep (`ferry plan --keep`). */
  keep?: KeepInput;
  /**
   * Measured step durations from past runs (rehearsals and real), by `actualsKey(runbook, step)`:
   * steps with `MIN_ACTUALS` of them are timed from these. The plan records the ones it used;
   * re-planning a plan passes those back, never the journals' current state.
   */
  actuals?: StepActuals;
  /**
   * Simulate waves and fit them to their windows (rule 13). Off only to measure what window fit
   * costs (`npm run bench -- plan`): the plan then has no `timing` and may overrun windows.
   * @default true
   */
  windowFit?: boolean;
  /** Stops a long planning run between phases. */
  signal?: AbortSignal;
  /** Filled with the milliseconds each phase took (the planning benchmark reads it); output does not depend on it. */
  timings?: PlanTimings;
}

/** Milliseconds per planning phase, as {@link PlanOptions.timings} records them. */
export interface PlanTimings {
  /** Facts per application: runbook, site, deadline, blackouts. */
  facts?: number;
  /** Links, groups, order cycles and generations (the graph kernel). */
  graph?: number;
  /** Re-IP networks, placement, waves, warnings and input digests. */
  placement?: number;
  /** The RFC 8785 plan hash. */
  hash?: number;
  /** Window fit outside placement: each application's runbook timing, and simulating every wave (the fit checks during placement count under placement). */
  timing?: number;
}

/** The stack `--stack` names, or the documented default; undefined when there is none. */
export function chooseTargetStack(inputs: Pick<PlanInputs, "stacks">, requested?: string): string | undefined {
  if (requested !== undefined) return requested;
  if (inputs.stacks.has("prod")) return "prod";
  if (inputs.stacks.size === 1) return [...inputs.stacks.keys()][0];
  return undefined;
}
