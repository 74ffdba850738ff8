/**
 * Shared shapes of timing: what a step is expected to take (an `Estimate`) and what it took in
 * past runs (`StepActuals`). The planner turns estimates into a wave's schedule; the run's
 * forecast and `ferry timings` read the same shapes, so the two cannot disagree.
 */

/** Actual durations of one runbook step (or precheck, verify gate, rollback) over past runs. */
export interface StepTiming {
  /** Completed executions measured: rehearsals + real. */
  count: number;
  /** Of `count`, executions in rehearsal runs (`ferry run --rehearsal`). */
  rehearsals: number;
  /** Of `count`, executions in real runs. */
  real: number;
  /** Median duration in milliseconds. */
  p50Ms: number;
  /** 90th percentile duration in milliseconds. */
  p90Ms: number;
}

/** Actual durations by `actualsKey(runbook, step)`. */
export type StepActuals = ReadonlyMap<string, StepTiming>;

/**
 * The key of one runbook entry in `StepActuals`: `<runbook>/<step>`. Step, precheck and verify
 * ids are unique within a runbook and runbook names never contain `/`, so keys never collide.
 * A step's rollback is keyed by `rollbackStep(step)`.
 */
export function actualsKey(runbook: string, step: string): string {
  return `${runbook}/${step}`;
}

/** The step name under which a step's rollback is timed: `<step>:rollback` (ids never contain `:`). */
export function rollbackStep(step: string): string {
  return `${step}:rollback`;
}

/**
 * How many measured executions of a step replace its runbook estimate in planning: three. One
 * or two runs are as likely to be the outlier (a cold cache, a slow link that night) as the
 * rule; from three on the median means something and a rehearsal programme reaches it quickly.
 */
export const MIN_ACTUALS = 3;

/** What one step is expected to take, and where the figure comes from. */
export interface Estimate {
  /** Median expectation, milliseconds. */
  p50Ms: number;
  /** Pessimistic (90th percentile) expectation, milliseconds; never below `p50Ms`. */
  p90Ms: number;
  /**
   * `estimate`: the runbook's (or the application's own) `estimate`; `default`: nothing said,
   * the documented default applies (the pack counts it "not estimated"); `actuals`: measured
   * in at least `MIN_ACTUALS` past runs.
   */
  source: "estimate" | "default" | "actuals";
  /** With `source: "actuals"`: how many executions were measured. */
  count?: number;
}
