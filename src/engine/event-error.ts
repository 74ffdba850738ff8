/**
 * The one conversion from whatever an action (or rendering) threw to the journal's error
 * shape. Actions classify their failures at the edge; this only copies those fields, so the
 * engine decides retries and doubt from them and never from message text.
 */
import { ActionError } from "../actions/errors.js";
import type { EventError } from "../model/run-event.js";
import { TemplateError } from "./render.js";

/**
 * Convert anything an action threw into the journal's error shape. A rendering error means
 * nothing ran; anything unclassified is assumed to have had an unknown effect.
 */
export function toEventError(err: unknown): EventError {
  if (err instanceof ActionError) {
    return {
      code: err.code,
      message: err.message,
      transient: err.transient,
      outcome: err.outcome,
      // Journalled only when set: `false` flags and an empty hint are left out, as `x: value` would not.
      ...(err.timedOut ? { timedOut: true } : {}),
      ...(err.aborted ? { aborted: true } : {}),
      exitCode: err.exitCode,
      ...(err.hint ? { hint: err.hint } : {}),
      ...(err.stillRunning ? { stillRunning: true } : {}),
    };
  }
  if (err instanceof TemplateError) {
    return { code: err.code, message: err.message, transient: false, outcome: "not-started" };
  }
  // Not classified by the action: assume the worst about its side effect.
  const message = err instanceof Error ? err.message : String(err);
  return { code: "action-error", message, transient: false, outcome: "unknown" };
}
