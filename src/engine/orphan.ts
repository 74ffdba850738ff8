/**
 * After a crash: what became of the process an in-flight attempt started. A check probe
 * answers for the moment it runs, and a second copy of a command must not run beside the
 * first, so neither happens while the first copy may still be running. The attempt's process
 * group is journalled (`step.process`) before its command is let run (ActionContext.started),
 * which leaves three cases on resume:
 *
 * - gated, no `step.process`: the command never ran (ferry stopped before releasing it).
 * - `step.process` journalled: wait for that group to end, up to the attempt's own deadline
 *   (its start plus its timeout, as the stopped ferry would have), then kill it; once it is
 *   known gone (`step.orphan`), the step is checked or re-run as after any other crash.
 * - it cannot be established that the group is gone (host unreachable, the group survives
 *   SIGKILL, the action cannot look): the step is uncertain, for a person.
 */
import type { ActionContext } from "../actions/types.js";
import type { Action } from "../actions/types.js";
import type { ProcessRef } from "../model/run-event.js";
import { toEventError } from "./event-error.js";
import type { PreparedAction, PreparedStep } from "./prepare.js";
import { DEFAULT_STEP_TIMEOUT_MS } from "./run-action.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";
import type { InFlightAttempt } from "./state.js";

export type OrphanVerdict =
  /** The command provably never ran: run it (again). */
  | { kind: "never-ran" }
  /** Its process group is known gone (or was never journalled by an older build): decide as before. */
  | { kind: "gone" }
  /** It may still be running: the step is uncertain for this reason. */
  | { kind: "running"; reason: string }
  /** The operator's signal stopped the wait: leave the attempt in flight. */
  | { kind: "interrupted" };

/** Journal the process group of an attempt's command; the command runs only once this is durable. */
export function journalProcess(deps: StepRunnerDeps, run: AppRun, step: string, phase: "step" | "rollback", attempt: number): (process: ProcessRef) => Promise<void> {
  return async (process) => {
    await deps.events.emit({ type: "step.process", app: run.prepared.app.id, step, phase, attempt, process });
  };
}

/** Decide what the in-flight attempt `current` of `step` (or of its rollback) left behind. */
export async function settleOrphan(
  deps: StepRunnerDeps,
  run: AppRun,
  step: PreparedStep,
  phase: "step" | "rollback",
  current: InFlightAttempt | undefined,
  action: PreparedAction,
): Promise<OrphanVerdict> {
  const app = run.prepared.app.id;
  if (!current) return { kind: "gone" };
  if (current.gated && !current.process) {
    const error = { code: "spawn-failed", message: "not started: ferry stopped before it let the command run", transient: true, outcome: "not-started" as const };
    await deps.events.emit(
      phase === "step"
        ? { type: "step.attempt.failed", app, step: step.id, attempt: current.attempt, error, retryInMs: 0 }
        : { type: "rollback.attempt.failed", app, step: step.id, attempt: current.attempt, error, retryInMs: 0 },
    );
    return { kind: "never-ran" };
  }
  const proc = current.process;
  // Not journalled by this build's gate (an older journal, an ungated action), or already seen to end.
  if (!proc || current.ended) return { kind: "gone" };
  const where = proc.host ? ` on ${proc.host}` : "";
  const impl = deps.actions[action.kind] as Action | undefined;
  if (!impl?.reap) return { kind: "running", reason: `its process group ${proc.pgid}${where} may still be running and this build cannot look` };
  const deadline = Date.parse(current.at) + (action.timeoutMs ?? DEFAULT_STEP_TIMEOUT_MS);
  const waitMs = Math.max(0, Math.min(deadline - Date.now(), deps.orphanWaitMs ?? Number.POSITIVE_INFINITY));
  const ctx: ActionContext = {
    signal: deps.stop,
    log: run.log.child({ step: step.id, phase: "orphan" }),
    host: (id) => deps.host(id),
    secrets: run.prepared.secrets,
    cwd: deps.cwd,
  };
  try {
    const r = await impl.reap(ctx, proc, { waitMs });
    await deps.events.emit({ type: "step.orphan", app, step: step.id, phase, attempt: current.attempt, outcome: r.outcome, detail: r.detail });
    return { kind: "gone" };
  } catch (err) {
    if (deps.stop.aborted) return { kind: "interrupted" };
    return {
      kind: "running",
      reason: `it was running when ferry stopped, and ferry could not establish that its process group ${proc.pgid}${where} has ended (${toEventError(err).message}), so it is neither checked nor run again`,
    };
  }
}
