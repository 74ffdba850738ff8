/**
 * One step's rollback. Its retry rules differ from a forward step's: declaring retries on a
 * rollback says it may run again, so every failure is retried; and once begun, a rollback
 * finishes on the first signal (half-undone is worse than done), stopping only on the second.
 * The order in which an application's rollbacks run is application.ts's.
 */
import type { EventError } from "../model/run-event.js";
import { toEventError } from "./event-error.js";
import type { PreparedStep } from "./prepare.js";
import { journalProcess, settleOrphan } from "./orphan.js";
import { DEFAULT_STEP_TIMEOUT_MS, isGated, runActionOnce } from "./run-action.js";
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
  let neverRan = false;
  if (state.rollback.inFlight) {
    // As for a step (orphan.ts): nothing re-runs the rollback while its process may still run.
    const orphan = await settleOrphan(deps, run, step, "rollback", state.rollback.current, rb);
    if (orphan.kind === "interrupted") return { status: "interrupted" };
    if (orphan.kind === "running") {
      await deps.events.emit({ type: "step.uncertain", app, step: step.id, phase: "rollback", reason: orphan.reason, inspect: rollbackInspect(step.id, app) });
      return { status: "uncertain" };
    }
    neverRan = orphan.kind === "never-ran";
  }
  if (state.rollback.inFlight && !neverRan && !rollbackRerunnable(step)) {
    await deps.events.emit({
      type: "step.uncertain",
      app,
      step: step.id,
      phase: "rollback",
      reason: "its rollback was running when ferry stopped and may not run twice",
      inspect: rollbackInspect(step.id, app),
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
    const gated = isGated(deps, rb);
    await deps.events.emit({ type: "rollback.started", app, step: step.id, attempt, ...(gated ? { gated } : {}) });
    try {
      await runActionOnce(deps, run, rb, {
        defaultTimeoutMs: DEFAULT_STEP_TIMEOUT_MS,
        bindings: { step: step.id, phase: "rollback" },
        ...(gated ? { started: journalProcess(deps, run, step.id, "rollback", attempt) } : {}),
      });
      await deps.events.emit({ type: "rollback.succeeded", app, step: step.id, attempt, via: "action" });
      return { status: "succeeded" };
    } catch (err) {
      const error = toEventError(err);
      if (error.stillRunning) {
        await deps.events.emit({
          type: "step.uncertain",
          app,
          step: step.id,
          phase: "rollback",
          reason: `${error.message}; ferry could not confirm that the rollback's process ended, so it is not retried`,
          inspect: rollbackInspect(step.id, app),
        });
        return { status: "uncertain" };
      }
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

function rollbackInspect(step: string, app: string): string {
  return `Find out whether the rollback of ${step} took effect, then: ferry resume RUN --app ${app} --step-done ${step} (it did) | --step-failed ${step} (a person finishes it) | --step-retry ${step} (run it again)`;
}
