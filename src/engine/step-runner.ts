/**
 * @deprecated The step runner is split by job (attempt.ts, run-action.ts, step.ts,
 * approval-gate.ts, rollback.ts, verify-gate.ts). This re-export only keeps the dry run
 * compiling until it imports `toEventError` from event-error.ts; delete it then.
 */
export { toEventError } from "./event-error.js";
