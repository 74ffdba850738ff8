/**
 * One attempt of an action, bounded by its timeout. The timeout aborts the signal the action
 * was given, so the action kills its process tree or remote command; it does not race a timer
 * against a promise that keeps running. It needs no run, so the dry run uses it as it is.
 */
import { ActionError } from "../actions/errors.js";
import type { Action, ActionContext, ActionOutput } from "../actions/types.js";
import { formatDuration } from "../model/common.js";

/** Longest delay a Node timer takes (about 24.8 days); longer ones would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface AttemptOptions {
  /** The action's implementation (from the registry). */
  impl: Action;
  /** What the action gets, except `signal`: the attempt gives it one of its own. */
  ctx: Omit<ActionContext, "signal">;
  /** The spec, already rendered. */
  spec: unknown;
  /** Milliseconds before the attempt is aborted; rounded up, at least 1, at most about 24.8 days. */
  timeoutMs: number;
  /** Aborts the attempt with this signal's reason (the operator's second signal). @default none */
  signal?: AbortSignal;
}

/**
 * Run the action once. Resolves with its output; rejects with what it threw, except that an
 * action stopped by the timeout without saying so rejects with a `timeout` ActionError
 * (transient; outcome `unknown` unless the action said it had not started).
 *
 * @example
 * const out = await runAttempt({ impl: registry.local!, ctx, spec: { run: "true" }, timeoutMs: 10_000 });
 */
export async function runAttempt(opts: AttemptOptions): Promise<ActionOutput> {
  const timeoutMs = Math.min(MAX_TIMER_MS, Math.max(1, Math.ceil(opts.timeoutMs)));
  const outer = opts.signal;
  // One controller and one timer cleared when the action settles (see `follow` for the second
  // signal): cheaper than AbortSignal.timeout + AbortSignal.any per action (whose timers stay
  // armed for the whole default 30 minutes after a no-op step), with the same reasons: a
  // TimeoutError DOMException on timeout, the operator's reason on a second signal.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new DOMException("The operation was aborted due to timeout", "TimeoutError"));
  }, timeoutMs);
  if (outer?.aborted) controller.abort(outer.reason);
  const unfollow = outer && !outer.aborted ? follow(outer, controller) : undefined;
  try {
    return await opts.impl.run({ ...opts.ctx, signal: controller.signal }, opts.spec as never);
  } catch (err) {
    if (timedOut && !(err instanceof ActionError && err.timedOut)) {
      // The action stopped on our signal but did not say why: it was the timeout.
      // A process the action could not show ended stays in doubt: say so, and keep the flag.
      const stillRunning = err instanceof ActionError && err.stillRunning;
      throw new ActionError("timeout", `timed out after ${formatDuration(timeoutMs)}${stillRunning ? `: ${err.message}` : ""}`, {
        transient: true,
        outcome: err instanceof ActionError && err.outcome === "not-started" ? "not-started" : "unknown",
        timedOut: true,
        stillRunning,
        ...(stillRunning && err.hint ? { hint: err.hint } : {}),
        cause: err,
      });
    }
    throw err;
  } finally {
    clearTimeout(timer);
    unfollow?.();
  }
}

/** The attempts in flight under each outer signal (the operator's second signal, one per run). */
const following = new WeakMap<AbortSignal, Set<AbortController>>();

/**
 * Abort `controller` with `outer`'s reason when `outer` aborts; returns the call that stops
 * following. One listener per outer signal aborts every attempt in flight, in the order they
 * started: adding and removing an EventTarget listener for each attempt cost more than a no-op
 * step's whole action.
 */
function follow(outer: AbortSignal, controller: AbortController): () => void {
  let live = following.get(outer);
  if (!live) {
    const attempts = new Set<AbortController>();
    following.set(outer, (live = attempts));
    outer.addEventListener(
      "abort",
      () => {
        for (const c of [...attempts]) c.abort(outer.reason);
        attempts.clear();
      },
      { once: true },
    );
  }
  live.add(controller);
  return () => live.delete(controller);
}
