/**
 * Runs one step (or rollback, check, probe): renders it with the outputs known so far, gives
 * the action a signal that aborts on timeout or operator abort, retries per policy, and
 * classifies failures from the ActionError fields alone. Scheduling lives in scheduler.ts.
 *
 * Classification (the action says whether its side effect may have happened):
 * - outcome `unknown` on a step that is not idempotent: its `check` probe decides; without
 *   one the step is `uncertain` and never re-run without an operator.
 * - transient, and `not-started` (or idempotent, or a check said it did not take effect): retry.
 * - anything else: the step failed.
 */
import type { Logger } from "pino";
import type { Action, ActionContext, ActionOutput, ActionRegistry } from "../actions/types.js";
import { ActionError } from "../actions/errors.js";
import type { Host } from "../model/estate.js";
import type { EventError } from "../model/run-event.js";
import { formatDuration } from "../model/common.js";
import type { EventStream } from "./events.js";
import type { PreparedAction, PreparedApp, PreparedStep } from "./prepare.js";
import { renderSpec, TemplateError } from "./render.js";
import type { StepState } from "./state.js";

/** Timeouts when a runbook gives none, so nothing hangs forever. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;
/** Longest delay a Node timer takes (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What every step of a run shares. */
export interface StepRunnerDeps {
  actions: ActionRegistry;
  events: EventStream;
  log: Logger;
  host(id: string): Host | undefined;
  /** Project directory. */
  cwd: string;
  /** First signal: start no new attempt. */
  stop: AbortSignal;
  /** Second signal: abort running actions. */
  abort: AbortSignal;
  /** Abortable sleep. @default timers/promises setTimeout */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Monotonic milliseconds for verify deadlines (tests pair it with `sleep`). @default performance.now */
  clock?: () => number;
}

/** One application's live context. */
export interface AppRun {
  prepared: PreparedApp;
  /** Real outputs of finished steps (the journal keeps redacted copies). */
  outputs: Map<string, ActionOutput>;
  log: Logger;
  /**
   * The last record this application appended without waiting for it (see `emitSoon`), or
   * undefined. Appends become durable in order, so once it is durable every earlier record
   * is too; `runActionOnce` awaits it before any action starts, and `runApplication` before
   * it returns.
   */
  durable?: Promise<unknown>;
}

/**
 * Append an event whose durability nothing depends on *yet*: a step's success, when the next
 * thing the application does is append another record (the next `step.started`, or
 * `app.finished`) and wait for that. Both then share one group commit instead of costing two
 * in a row; nothing acts on the success before it is durable, because the next action waits
 * for the later record (or for `run.durable`), and listeners still see it only once durable.
 */
export function emitSoon(deps: StepRunnerDeps, run: AppRun, input: Parameters<EventStream["emit"]>[0]): void {
  const p = deps.events.emit(input);
  // Awaited later through run.durable (or superseded by a later record, which fails with it);
  // the handler only keeps a journal failure from also surfacing as an unhandled rejection.
  p.catch(() => undefined);
  run.durable = p;
}

export type StepOutcome =
  | { status: "succeeded" }
  | { status: "failed"; error: EventError }
  | { status: "uncertain" }
  | { status: "waiting" }
  /** Stopped by a signal; the journal says where, resume continues. */
  | { status: "interrupted" };

/** Convert anything an action threw into the journal's error shape. */
export function toEventError(err: unknown): EventError {
  if (err instanceof ActionError) {
    return {
      code: err.code,
      message: err.message,
      transient: err.transient,
      outcome: err.outcome,
      ...(err.timedOut ? { timedOut: true } : {}),
      ...(err.aborted ? { aborted: true } : {}),
      ...(err.exitCode !== undefined ? { exitCode: err.exitCode } : {}),
      ...(err.hint ? { hint: err.hint } : {}),
    };
  }
  if (err instanceof TemplateError) {
    return { code: err.code, message: err.message, transient: false, outcome: "not-started" };
  }
  // Not classified by the action: assume the worst about its side effect.
  const message = err instanceof Error ? err.message : String(err);
  return { code: "action-error", message, transient: false, outcome: "unknown" };
}

export async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  const { setTimeout: wait } = await import("node:timers/promises");
  await wait(ms, undefined, { signal }).catch(() => undefined);
}

/**
 * Render and run one action once, with its timeout. Throws an ActionError (or TemplateError
 * when a step output it reads is missing; nothing ran then).
 */
export async function runActionOnce(
  deps: StepRunnerDeps,
  run: AppRun,
  action: PreparedAction,
  opts: { defaultTimeoutMs: number; bindings: Record<string, string>; gate?: ActionContext["gate"]; rendered?: unknown },
): Promise<ActionOutput> {
  // Nothing acts before every record this application wrote is durable (see AppRun.durable).
  if (run.durable) await run.durable;
  const spec =
    opts.rendered ??
    renderSpec(action.kind, action.template, {
      values: run.prepared.values,
      outputs: run.outputs,
      visibleSteps: action.visibleSteps,
    }).spec;
  const impl = deps.actions[action.kind] as Action | undefined;
  if (!impl) {
    throw new ActionError("action-unavailable", `no ${action.kind} action is available in this build`, { outcome: "not-started" });
  }
  const timeoutMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(action.timeoutMs ?? opts.defaultTimeoutMs)));
  // One controller, one timer cleared when the action settles, one listener removed: cheaper
  // than AbortSignal.timeout + AbortSignal.any per action (whose timers stay armed for the
  // whole default 30 minutes after a no-op step), with the same reasons: a TimeoutError
  // DOMException on timeout, the operator's reason on a second signal.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  }, timeoutMs);
  const onAbort = () => controller.abort(deps.abort.reason);
  if (deps.abort.aborted) onAbort();
  else deps.abort.addEventListener("abort", onAbort, { once: true });
  const ctx: ActionContext = {
    signal: controller.signal,
    log: run.log.child(opts.bindings),
    host: (id) => deps.host(id),
    secrets: run.prepared.secrets,
    cwd: deps.cwd,
    ...(opts.gate ? { gate: opts.gate } : {}),
  };
  try {
    return await impl.run(ctx, spec as never);
  } catch (err) {
    if (timedOut && !(err instanceof ActionError && err.timedOut)) {
      // The action stopped on our signal but did not say why: it was the timeout.
      throw new ActionError("timeout", `timed out after ${formatDuration(timeoutMs)}`, {
        transient: true,
        outcome: err instanceof ActionError && err.outcome === "not-started" ? "not-started" : "unknown",
        timedOut: true,
        cause: err,
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    deps.abort.removeEventListener("abort", onAbort);
  }
}

/** The rendered command of a shell step, for the journal and the live view. */
export function commandOf(run: AppRun, action: PreparedAction): string | undefined {
  try {
    return renderSpec(action.kind, action.template, { values: run.prepared.values, outputs: run.outputs, visibleSteps: action.visibleSteps })
      .command;
  } catch {
    return undefined;
  }
}

/**
 * Run a `check` probe: true when the step already took effect. Errors of the probe itself
 * (it could not tell) propagate.
 */
export async function runCheck(deps: StepRunnerDeps, run: AppRun, step: PreparedStep): Promise<boolean> {
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

function inspectHint(run: AppRun, step: PreparedStep): string {
  const cmd = commandOf(run, step.action);
  const hosts = run.prepared.hosts.length ? ` on ${run.prepared.hosts.join(", ")}` : "";
  return (
    `Find out whether step ${step.id} of ${run.prepared.app.id} took effect${hosts}` +
    (cmd ? ` (command: ${cmd})` : ` (${step.action.kind} action)`) +
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

  if (step.action.kind === "approval") return gate(deps, run, step, state);

  if (state.inFlight) {
    // The process died after `step.started` became durable: the action may have run.
    if (!step.idempotent) {
      const settled = await settleInDoubt(
        deps,
        run,
        step,
        state.attempt,
        step.check
          ? "it was running when ferry stopped, and its check probe could not tell whether it took effect"
          : "it was running when ferry stopped, is not idempotent and has no check probe",
      );
      // "not-applied": the check says it did not take effect, so running it again is safe.
      if (settled !== "not-applied") return settled;
    }
  }

  const policy = step.action.retry;
  const first = state.attempt + 1;
  const last = Math.max(policy.attempts, first);
  let delay = policy.delayMs * Math.pow(policy.backoff, Math.max(0, state.attempt - 1));
  for (let attempt = first; attempt <= last; attempt++) {
    if (deps.stop.aborted) return { status: "interrupted" };
    let rendered: ReturnType<typeof renderSpec>;
    try {
      // Render before `step.started` so a missing output fails the step without it counting as
      // started; the action then runs exactly the spec whose command was journalled.
      rendered = renderSpec(step.action.kind, step.action.template, { values: run.prepared.values, outputs: run.outputs, visibleSteps: step.action.visibleSteps });
    } catch (err) {
      const error = toEventError(err);
      await emit({ type: "step.failed", app, step: step.id, attempt, error });
      return { status: "failed", error };
    }
    // Durable before the side effect: a crash after this line leaves the step in doubt, not lost.
    const command = rendered.command;
    await emit({ type: "step.started", app, step: step.id, attempt, ...(command !== undefined ? { command } : {}) });
    let notApplied = false;
    try {
      const out = await runActionOnce(deps, run, step.action, { defaultTimeoutMs: DEFAULT_STEP_TIMEOUT_MS, bindings: { step: step.id }, rendered: rendered.spec });
      run.outputs.set(step.id, out);
      emitSoon(deps, run, { type: "step.succeeded", app, step: step.id, attempt, outputs: outputsForJournal(out), via: "action" });
      return { status: "succeeded" };
    } catch (err) {
      const error = toEventError(err);
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
 * An approval step: passes when `ferry gate approve` journalled a release for this run, step
 * and plan; otherwise the application waits (others go on). The approval action, given the
 * recorded release in `ctx.gate`, has the last word (e.g. the approvers list).
 */
async function gate(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, state: StepState): Promise<StepOutcome> {
  const app = run.prepared.app.id;
  const expectedPlan = deps.events.state?.started.planHash;
  const g = state.gate;
  if (g?.approvedBy !== undefined && g.planHash === expectedPlan) {
    const release = { approvedBy: g.approvedBy, at: g.approvedAt ?? new Date().toISOString() };
    let out: ActionOutput = { approvedBy: release.approvedBy, approvedAt: release.at };
    if (deps.actions.approval) {
      try {
        out = await runActionOnce(deps, run, step.action, { defaultTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, bindings: { step: step.id }, gate: release });
      } catch (err) {
        const error = toEventError(err);
        await deps.events.emit({ type: "step.failed", app, step: step.id, attempt: Math.max(1, state.attempt), error });
        return { status: "failed", error };
      }
    }
    await deps.events.emit({ type: "step.succeeded", app, step: step.id, attempt: Math.max(1, state.attempt), via: "operator", outputs: outputsForJournal(out) });
    run.outputs.set(step.id, out);
    return { status: "succeeded" };
  }
  if (!g?.waiting) {
    const spec = step.action.template as { message: string; approvers?: string[] };
    let message = spec.message;
    try {
      message = renderSpec("approval", spec, { values: run.prepared.values, outputs: run.outputs, visibleSteps: step.action.visibleSteps }).spec.message;
    } catch {
      // Checked before the run; keep the raw text if outputs changed since.
    }
    await deps.events.emit({ type: "gate.waiting", app, step: step.id, message, ...(spec.approvers ? { approvers: spec.approvers } : {}) });
  }
  return { status: "waiting" };
}

/** What of a step's outputs goes into the journal (bounded; redacted by the event stream). */
export function outputsForJournal(out: ActionOutput): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) {
    if (v === undefined) continue;
    copy[k] = typeof v === "string" && v.length > 4096 ? `${v.slice(0, 4096)}…` : v;
  }
  return copy;
}

/** Whether a rollback may run again after an unknown outcome (idempotent step, or retries declared). */
export function rollbackRerunnable(step: PreparedStep): boolean {
  return step.idempotent || (step.rollback?.retry.attempts ?? 1) > 1;
}

export type RollbackOutcome = { status: "succeeded" } | { status: "failed"; error: EventError } | { status: "uncertain" } | { status: "interrupted" };

/**
 * Run a step's rollback, retried per its own policy on any failure (declaring retries on a
 * rollback says it may run again). A rollback in flight at a crash re-runs only when
 * rerunnable; otherwise it is in doubt.
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

/** Run a read-only probe once (precheck, verify) with its timeout; returns the error or undefined. */
export async function probeOnce(
  deps: StepRunnerDeps,
  run: AppRun,
  action: PreparedAction,
  bindings: Record<string, string>,
  timeoutCapMs?: number,
): Promise<EventError | undefined> {
  const a = timeoutCapMs !== undefined ? { ...action, timeoutMs: Math.min(action.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, timeoutCapMs) } : action;
  try {
    await runActionOnce(deps, run, a, { defaultTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, bindings });
    return undefined;
  } catch (err) {
    return toEventError(err);
  }
}
