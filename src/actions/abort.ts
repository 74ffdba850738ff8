import { ActionError, StepTimeoutError } from "./errors.js";
import type { Outcome } from "./errors.js";

/**
 * Whether an abort reason means "ran out of time" rather than "the operator stopped it".
 * The engine aborts a step's signal with a `StepTimeoutError` (or any error named
 * `TimeoutError`, which is what `AbortSignal.timeout()` produces) when the step's timeout fires.
 */
export function isTimeoutReason(reason: unknown): boolean {
  return reason instanceof StepTimeoutError || (reason instanceof Error && reason.name === "TimeoutError");
}

/**
 * The error an action rejects with once `signal` has aborted: a StepTimeoutError for a
 * timeout, otherwise an ActionError with code `aborted`. `what` completes the sentence
 * "Timed out: …" / "Aborted: …", e.g. "killed the process group of `make deploy`".
 */
export function abortError(signal: AbortSignal, what: string, outcome: Outcome = "unknown"): ActionError {
  if (isTimeoutReason(signal.reason)) return new StepTimeoutError(`Timed out: ${what}`, { outcome, cause: signal.reason });
  return new ActionError("aborted", `Aborted by the operator: ${what}`, {
    outcome,
    aborted: true,
    transient: false,
    cause: signal.reason,
  });
}
