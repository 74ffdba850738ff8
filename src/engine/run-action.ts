/**
 * A prepared action run once inside an application's run: only after every record the
 * application wrote is durable, rendered with the step outputs known so far, through the
 * registry's implementation, as one timed attempt that the operator's second signal aborts.
 * Steps, checks, rollbacks, approvals and probes all start their actions here.
 */
import { ActionError } from "../actions/errors.js";
import type { Action, ActionContext, ActionOutput } from "../actions/types.js";
import type { EventError } from "../model/run-event.js";
import { runAttempt } from "./attempt.js";
import { toEventError } from "./event-error.js";
import type { PreparedAction } from "./prepare.js";
import { renderFor } from "./render.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";

/** Timeouts when a runbook gives none, so nothing hangs forever. */
export const DEFAULT_STEP_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_PROBE_TIMEOUT_MS = 30_000;

export interface RunActionOptions {
  /** The timeout when the action sets none. */
  defaultTimeoutMs: number;
  /** Bindings of the action's child logger (step, phase, precheck, verify). */
  bindings: Record<string, string>;
  /** The recorded release of an approval gate (see ActionContext.gate). */
  gate?: ActionContext["gate"];
  /** The spec, when the caller rendered it already (a step renders before journalling its command). */
  rendered?: unknown;
  /** A step's or rollback's attempt: journal the process group of a gated action before it runs (ActionContext.started). */
  started?: ActionContext["started"];
}

/** Whether the action of this kind journals its process group before running (Action.gated). */
export function isGated(deps: StepRunnerDeps, action: PreparedAction): boolean {
  return (deps.actions[action.kind] as Action | undefined)?.gated === true;
}

/**
 * Render and run one action once, with its timeout. Throws an ActionError (or TemplateError
 * when a step output it reads is missing; nothing ran then).
 */
export async function runActionOnce(deps: StepRunnerDeps, run: AppRun, action: PreparedAction, opts: RunActionOptions): Promise<ActionOutput> {
  // Nothing acts before every record this application wrote is durable (see AppRun.durable).
  if (run.durable) await run.durable;
  const spec = opts.rendered ?? renderFor(run.prepared, action, run.outputs).spec;
  const impl = deps.actions[action.kind] as Action | undefined;
  if (!impl) {
    throw new ActionError("action-unavailable", `no ${action.kind} action is available in this build`, { outcome: "not-started" });
  }
  const log = run.log.child(opts.bindings);
  const ctx: Omit<ActionContext, "signal"> = {
    log,
    // Every line of output goes to the run's log (redacted there), where `ferry logs` reads it.
    onLine: (stream, line) => log.info({ output: stream }, line),
    host: (id) => deps.host(id),
    secrets: run.prepared.secrets,
    cwd: deps.cwd,
    gate: opts.gate,
    started: opts.started,
  };
  return runAttempt({ impl, ctx, spec, timeoutMs: action.timeoutMs ?? opts.defaultTimeoutMs, signal: deps.abort });
}

/** Run a read-only probe once (precheck, verify) with its timeout; returns the error or undefined. */
export async function probeOnce(deps: StepRunnerDeps, run: AppRun, action: PreparedAction, bindings: Record<string, string>): Promise<EventError | undefined> {
  try {
    await runActionOnce(deps, run, action, { defaultTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, bindings });
    return undefined;
  } catch (err) {
    return toEventError(err);
  }
}
