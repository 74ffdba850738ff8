/**
 * Health gates after the change: a gate passes after `consecutive` successful probes in a
 * row, probed every `interval`, within `within` of the gate's start. A failed probe resets the
 * count. The gate fails as soon as the successes still needed cannot fit before the deadline,
 * so it never passes late and never waits longer than it has to to say no.
 */
import { formatDuration } from "../model/common.js";
import type { PreparedVerify } from "./prepare.js";
import { probeOnce } from "./run-action.js";
import { defaultSleep } from "./run-context.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";

export type GateVerdict = { kind: "passed" } | { kind: "failed"; reason: string } | { kind: "interrupted" };

/** The per-probe timeout when the verify entry sets none. */
export const DEFAULT_VERIFY_PROBE_TIMEOUT_MS = 10_000;

/** Probe until the gate passes or cannot pass any more. */
export async function runVerifyGate(
  deps: StepRunnerDeps,
  run: AppRun,
  v: PreparedVerify,
  now: () => number = deps.clock ?? (() => performance.now()),
): Promise<GateVerdict> {
  const app = run.prepared.app.id;
  const start = now();
  const deadline = start + v.withinMs;
  let inRow = 0;
  // What the last probe said, kept apart from a probe the gate's own deadline cut short: that
  // one only says time ran out, while the one before it says why the service was unhealthy.
  let lastAnswer: string | undefined;
  let cutShort: string | undefined;
  for (let attempt = 1; ; attempt++) {
    if (deps.stop.aborted) return { kind: "interrupted" };
    const left = deadline - now();
    if (left <= 0) break;
    // A probe may not outlast the gate: its timeout is cut to the time left.
    const probe = { ...v.action, timeoutMs: Math.min(v.action.timeoutMs ?? DEFAULT_VERIFY_PROBE_TIMEOUT_MS, left) };
    const error = await probeOnce(deps, run, probe, { verify: v.id });
    // A success that lands after the deadline does not count.
    const ok = error === undefined && now() <= deadline;
    inRow = ok ? inRow + 1 : 0;
    if (error && now() >= deadline) cutShort = error.message;
    else if (error) lastAnswer = error.message;
    else if (!ok) lastAnswer = "probe answered after the deadline";
    await deps.events.emit({ type: "verify.probe", app, verify: v.id, attempt, ok, consecutive: inRow, error });
    if (inRow >= v.consecutive) {
      await deps.events.emit({ type: "verify.passed", app, verify: v.id });
      return { kind: "passed" };
    }
    const needed = v.consecutive - inRow;
    if (now() + needed * v.intervalMs > deadline) break;
    await (deps.sleep ?? defaultSleep)(v.intervalMs, deps.stop);
  }
  const reason = `${v.consecutive} successful probe(s) in a row not reached within ${formatDuration(v.withinMs)} (last: ${lastAnswer ?? cutShort ?? "no probe ran"})`;
  await deps.events.emit({ type: "verify.failed", app, verify: v.id, reason });
  return { kind: "failed", reason };
}
