/**
 * One forward step, run to a final outcome: its attempts with the retry policy, and its
 * `check` probe when the outcome is in doubt. Failures are classified from the ActionError
 * fields alone (the action says whether its side effect may have happened):
 * - outcome `unknown` on a step that is not idempotent: its `check` probe decides; without
 *   one the step is `uncertain` and never re-run without an operator.
 * - transient, and `not-started` (or idempotent, or a check said it did not take effect): retry.
 * - anything else: the step failed.
 * Approval steps wait for an operator instead (approval-gate.ts); scheduling is scheduler.ts's.
 */
import { head } from "../actions/bounded-output.js";
import type { EventError } from "../model/run-event.js";
import { runApprovalGate } from "./approval-gate.js";
import { toEventError } from "./event-error.js";
import type { PreparedAction, PreparedStep } from "./prepare.js";
import { renderFor } from "./render.js";
import type { RenderedSpec } from "./render.js";
import { journalProcess, settleOrphan } from "./orphan.js";
import { DEFAULT_PROBE_TIMEOUT_MS, DEFAULT_STEP_TIMEOUT_MS, isGated, runActionOnce } from "./run-action.js";
import { defaultSleep, emitSoon } from "./run-context.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";
import type { StepState } from "./state.js";
import { outputsForJournal } from "./step-outputs.js";

export type StepOutcome =
  | { status: "succeeded" }
  | { status: "failed"; error: EventError }
  | { status: "uncertain" }
  | { status: "waiting" }
  /** Stopped by a signal; the journal says where, resume continues. */
  | { status: "interrupted" };

/** The rendered command of a shell step, for the operator's hint. */
function commandOf(run: AppRun, action: PreparedAction): string | undefined {
  try {
    return renderFor(run.prepared, action, run.outputs).command;
  } catch {
    return undefined;
  }
}

/**
 * Run a `check` probe: true when the step already took effect. Errors of the probe itself
 * (it could not tell) propagate.
 */
async function runCheck(deps: StepRunnerDeps, run: AppRun, step: PreparedStep): Promise<boolean> {
  const check = step.check!;
  try {
    await runActionOnce(deps, run, check, { defaultTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, bindings: { step: step.id, phase: "check" } });
    return true;
  } catch (err) {
    const e = toEventError(err);
    // A probe that answered "no" (probe failed, command exited non-zero) means: not in effect.
    if (e.outcome === "failed") return false;
    throw err;
  }
}

/** Ask the check probe, journal its verdict. Returns undefined when the probe could not answer. */
async function checkAndRecord(deps: StepRunnerDeps, run: AppRun, step: PreparedStep): Promise<boolean | undefined> {
  const app = run.prepared.app.id;
  try {
    const tookEffect = await runCheck(deps, run, step);
    await deps.events.emit({ type: "step.checked", app, step: step.id, tookEffect });
    return tookEffect;
  } catch (err) {
    await deps.events.emit({ type: "step.checked", app, step: step.id, tookEffect: false, error: toEventError(err) });
    return undefined;
  }
}

/** Why a step a stopped ferry left running is in doubt. */
function leftRunning(step: PreparedStep): string {
  return step.check
    ? "it was running when ferry stopped, and its check probe could not tell whether it took effect"
    : "it was running when ferry stopped, is not idempotent and has no check probe";
}

/** Where a step's action ran, as the operator goes to look: this machine, or the host it names. */
function whereItRan(run: AppRun, action: PreparedAction): string {
  if (action.kind !== "ssh" && action.kind !== "copy") return " on this machine (where ferry ran it)";
  try {
    const host = (renderFor(run.prepared, action, run.outputs).spec as { host?: unknown }).host;
    if (typeof host === "string" && host) return ` on host ${host}`;
  } catch {
    // the host comes from an output that is not there: name the application's hosts instead
  }
  return run.prepared.hosts.length ? ` on ${run.prepared.hosts.join(", ")}` : "";
}

function inspectHint(run: AppRun, step: PreparedStep): string {
  const cmd = commandOf(run, step.action);
  const hosts = whereItRan(run, step.action);
  return (
    `Find out whether step ${step.id} of ${run.prepared.app.id} took effect${hosts}` +
    (cmd ? ` (command: ${head(cmd, 200)})` : ` (${step.action.kind} action)`) +
    `, then settle it: ferry resume RUN --app ${run.prepared.app.id} --step-done ${step.id} | --step-failed ${step.id} | --step-retry ${step.id}`
  );
}

/**
 * A non-idempotent step whose outcome is unknown: its check probe decides. Took effect →
 * succeeded; did not → "not-applied" (the caller may run it again); cannot tell → uncertain,
 * for the operator to settle.
 */
async function settleInDoubt(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, attempt: number, reason: string): Promise<StepOutcome | "not-applied"> {
  const app = run.prepared.app.id;
  const verdict = step.check ? await checkAndRecord(deps, run, step) : undefined;
  if (verdict === true) {
    await deps.events.emit({ type: "step.succeeded", app, step: step.id, attempt, via: "check" });
    return { status: "succeeded" };
  }
  if (verdict === false) return "not-applied";
  await deps.events.emit({ type: "step.uncertain", app, step: step.id, phase: "step", reason, inspect: inspectHint(run, step) });
  return { status: "uncertain" };
}

/**
 * Run a forward step to a final outcome, starting at `state` (fresh, in flight at a crash,
 * between retries, or at an approval gate).
 */
export async function runStep(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, state: StepState): Promise<StepOutcome> {
  const app = run.prepared.app.id;
  const emit = deps.events.emit.bind(deps.events);

  if (step.action.kind === "approval") return runApprovalGate(deps, run, step, state);

  if (state.inFlight) {
    // The process died after `step.started` became durable: the action may have run, and its
    // process may still be running. Nothing checks or re-runs it until that process is gone.
    const orphan = await settleOrphan(deps, run, step, "step", state.current, step.action);
    if (orphan.kind === "interrupted") return { status: "interrupted" };
    if (orphan.kind === "running") {
      await deps.events.emit({ type: "step.uncertain", app, step: step.id, phase: "step", reason: orphan.reason, inspect: inspectHint(run, step) });
      return { status: "uncertain" };
    }
    if (orphan.kind === "gone" && !step.idempotent) {
      const settled = await settleInDoubt(deps, run, step, state.attempt, leftRunning(step));
      // "not-applied": the check says it did not take effect, so running it again is safe.
      if (settled !== "not-applied") return settled;
    }
  }

  const policy = step.action.retry;
  const first = state.attempt + 1;
  // A step the operator asked to run again (`--retry-failed`) has its whole retry policy again.
  const base = state.retryFrom ?? 0;
  const last = Math.max(policy.attempts + base, first);
  let delay = policy.delayMs * Math.pow(policy.backoff, Math.max(0, state.attempt - base - 1));
  for (let attempt = first; attempt <= last; attempt++) {
    if (deps.stop.aborted) return { status: "interrupted" };
    let rendered: RenderedSpec;
    try {
      // Render before `step.started` so a missing output fails the step without it counting as
      // started; the action then runs exactly the spec whose command was journalled.
      rendered = renderFor(run.prepared, step.action, run.outputs);
    } catch (err) {
      const error = toEventError(err);
      await emit({ type: "step.failed", app, step: step.id, attempt, error });
      return { status: "failed", error };
    }
    // Durable before the side effect: a crash after this line leaves the step in doubt, not lost.
    const gated = isGated(deps, step.action);
    await emit({ type: "step.started", app, step: step.id, attempt, command: rendered.command, ...(gated ? { gated } : {}) });
    let notApplied = false;
    try {
      const out = await runActionOnce(deps, run, step.action, {
        defaultTimeoutMs: DEFAULT_STEP_TIMEOUT_MS,
        bindings: { step: step.id },
        rendered: rendered.spec,
        ...(gated ? { started: journalProcess(deps, run, step.id, "step", attempt) } : {}),
      });
      run.outputs.set(step.id, out);
      emitSoon(deps, run, { type: "step.succeeded", app, step: step.id, attempt, outputs: outputsForJournal(out), via: "action" });
      return { status: "succeeded" };
    } catch (err) {
      const error = toEventError(err);
      if (error.stillRunning) {
        // Its process may still be running (a dropped connection ferry could not look behind):
        // neither a check nor a retry may run beside it.
        const reason = `${error.message}; ferry could not confirm that its process ended, so it is neither checked nor retried`;
        await emit({ type: "step.uncertain", app, step: step.id, phase: "step", reason, inspect: inspectHint(run, step) });
        return { status: "uncertain" };
      }
      if (deps.abort.aborted) return abortedStep(deps, run, step, attempt, error);
      if (error.outcome === "unknown" && !step.idempotent) {
        const reason = `${error.message}; it is not idempotent and ${step.check ? "its check probe could not tell" : "has no check probe"} whether it took effect`;
        const settled = await settleInDoubt(deps, run, step, attempt, reason);
        if (settled !== "not-applied") return settled;
        notApplied = true;
      }
      const retryable = error.transient && (error.outcome === "not-started" || step.idempotent || notApplied);
      if (retryable && attempt < last) {
        await emit({ type: "step.attempt.failed", app, step: step.id, attempt, error, retryInMs: delay });
        await (deps.sleep ?? defaultSleep)(delay, deps.stop);
        delay *= policy.backoff;
        continue;
      }
      await emit({ type: "step.failed", app, step: step.id, attempt, error });
      return { status: "failed", error };
    }
  }
  return { status: "interrupted" };
}

/** Second signal: a known outcome is recorded as such; an unknown one on a marker step is in doubt. */
async function abortedStep(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, attempt: number, error: EventError): Promise<StepOutcome> {
  const app = run.prepared.app.id;
  if (error.outcome === "not-started" || step.idempotent) {
    await deps.events.emit({ type: "step.attempt.failed", app, step: step.id, attempt, error, retryInMs: 0 });
    return { status: "interrupted" };
  }
  if (error.outcome === "failed") {
    await deps.events.emit({ type: "step.failed", app, step: step.id, attempt, error });
    return { status: "interrupted" };
  }
  await deps.events.emit({
    type: "step.uncertain",
    app,
    step: step.id,
    phase: "step",
    reason: "aborted by the operator while running; it is not idempotent",
    inspect: inspectHint(run, step),
  });
  return { status: "uncertain" };
}

/**
 * Before an application is rolled back: what became of a step a stopped ferry left in flight,
 * settled as resume settles it (its process group waited for or killed, then its check probe),
 * never by running it. `done`: it took effect (journalled as succeeded, so it is undone with
 * the rest), or it is idempotent and may have (journalled as failed, so its own rollback runs);
 * `not-done`: it provably did not; `uncertain`: a person must say (journalled with what to
 * inspect).
 */
export async function settleForUndo(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, state: StepState): Promise<"done" | "not-done" | "uncertain" | "interrupted"> {
  if (!state.inFlight) return state.status === "succeeded" ? "done" : "not-done";
  const app = run.prepared.app.id;
  const orphan = await settleOrphan(deps, run, step, "step", state.current, step.action);
  if (orphan.kind === "interrupted") return "interrupted";
  // Recorded as failed, so `ferry status` shows what became of it: it did not take effect.
  const notDone = async (message: string, outcome: EventError["outcome"]) => {
    await deps.events.emit({ type: "step.failed", app, step: step.id, attempt: state.attempt, error: { code: "interrupted", message, transient: false, outcome } });
    return "not-done" as const;
  };
  if (orphan.kind === "never-ran") return notDone("ferry stopped before it let the command run; the application is being rolled back", "not-started");
  if (orphan.kind === "running") {
    await deps.events.emit({ type: "step.uncertain", app, step: step.id, phase: "step", reason: orphan.reason, inspect: inspectHint(run, step) });
    return "uncertain";
  }
  if (step.idempotent) {
    const error: EventError = { code: "interrupted", message: "it was running when ferry stopped; the application is being rolled back", transient: false, outcome: "unknown" };
    await deps.events.emit({ type: "step.failed", app, step: step.id, attempt: state.attempt, error });
    return "done";
  }
  const settled = await settleInDoubt(deps, run, step, state.attempt, leftRunning(step));
  if (settled === "not-applied") return notDone("it was running when ferry stopped and its check says it did not take effect; the application is being rolled back", "failed");
  return settled.status === "succeeded" ? "done" : "uncertain";
}
