/**
 * One step's rollback. Its retry rules differ from a forward step's: declaring retries on a
 * rollback says it may run again, so every failure is retried; and once begun, a rollback
 * finishes on the first signal (half-undone is worse than done), stopping only on the second.
 * The order in which an application's rollbacks run is application.ts's.
 */
import type { EventError } from "../model/run-event.js";
import { toEventError } from "./event-error.js";
import type { PreparedStep } from "./prepare.js";
import { DEFAULT_STEP_TIMEOUT_MS, runActionOnce } from "./run-action.js";
import { defaultSleep } from "./run-context.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";
import type { StepState } from "./state.js";

/** Whether a rollback may run again after an unknown outcome (idempotent step, or retries declared). */
export function rollbackRerunnable(step: PreparedStep): boolean {
  return step.idempotent || (step.rollback?.retry.attempts ?? 1) > 1;
}

export type RollbackOutcome = { status: "succeeded" } | { status: "failed"; error: EventError } | { status: "uncertain" } | { status: "interrupted" };

/**
 * Run a step's rollback, retried per its own policy on any failure. A rollback in flight at a
 * crash re-runs only when rerunnable; otherwise it is in doubt.
 */
export async function runRollback(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, state: StepState): Promise<RollbackOutcome> {
  const app = run.prepared.app.id;
  const rb = step.rollback!;
  if (state.rollback.inFlight && !rollbackRerunnable(step)) {
    await deps.events.emit({
      type: "step.uncertain",
      app,
      step: step.id,
      phase: "rollback",
      reason: "its rollback was running when ferry stopped and may not run twice",
      inspect: `Find out whether the rollback of ${step.id} took effect, then: ferry resume RUN --app ${app} --step-done ${step.id} (it did) | --step-failed ${step.id} (a person finishes it) | --step-retry ${step.id} (run it again)`,
    });
    return { status: "uncertain" };
  }
  const first = state.rollback.attempt + 1;
  const last = Math.max(rb.retry.attempts + (state.rollback.status === "failed" ? state.rollback.attempt : 0), first);
  let delay = rb.retry.delayMs;
  for (let attempt = first; attempt <= last; attempt++) {
    // Once begun, a rollback chain finishes on the first signal (half-undone is worse); only
    // the second signal stops it.
    if (deps.abort.aborted) return { status: "interrupted" };
    await deps.events.emit({ type: "rollback.started", app, step: step.id, attempt });
    try {
      await runActionOnce(deps, run, rb, { defaultTimeoutMs: DEFAULT_STEP_TIMEOUT_MS, bindings: { step: step.id, phase: "rollback" } });
      await deps.events.emit({ type: "rollback.succeeded", app, step: step.id, attempt, via: "action" });
      return { status: "succeeded" };
    } catch (err) {
      const error = toEventError(err);
      if (attempt < last && !deps.abort.aborted) {
        await deps.events.emit({ type: "rollback.attempt.failed", app, step: step.id, attempt, error, retryInMs: delay });
        await (deps.sleep ?? defaultSleep)(delay, deps.abort);
        delay *= rb.retry.backoff;
        continue;
      }
      await deps.events.emit({ type: "rollback.failed", app, step: step.id, attempt, error });
      return { status: "failed", error };
    }
  }
  return { status: "interrupted" };
}
