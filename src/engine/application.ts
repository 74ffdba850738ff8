/**
 * One application's runbook: prechecks (all must pass before anything changes) → steps (file
 * order, or a DAG with `needs`) → verify gates → on failure, rollbacks of completed steps in
 * reverse order of completion. Starts from the application's folded state, so the same code
 * runs fresh applications and resumed ones.
 *
 * The failed step's own rollback runs only when the step is `idempotent: true` and its
 * failure may have changed something (outcome `failed` or `unknown`, not `not-started`): a
 * half-applied idempotent step is by declaration safe to undo from any state; a non-idempotent
 * one is not, so its partial effect is listed for a person instead of guessed at.
 *
 * Under `--on-failure pause` a failed step or health gate stops the application where it
 * failed (`paused`), nothing undone: `ferry resume --retry-failed` runs it again, `ferry
 * rollback --app` undoes the application. A rollback, asked for or after a failure, first
 * settles any step a stopped ferry left in flight (as resume does), so its effect is undone
 * too, or the application is left uncertain for a person.
 */
import type { Status } from "../model/run-event.js";
import type { PreparedApp, PreparedStep } from "./prepare.js";
import type { AppState } from "./state.js";
import { runRollback } from "./rollback.js";
import { probeOnce } from "./run-action.js";
import { emitSoon } from "./run-context.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";
import { runStep, settleForUndo } from "./step.js";
import type { StepOutcome } from "./step.js";
import { runVerifyGate } from "./verify-gate.js";

/** Run (or continue) one application; returns its status when it stops. */
export async function runApplication(deps: StepRunnerDeps, prepared: PreparedApp, state: AppState): Promise<Status> {
  const run: AppRun = { prepared, outputs: new Map(), log: deps.log.child({ app: prepared.app.id }) };
  for (const s of state.steps.values()) if (s.outputs) run.outputs.set(s.id, s.outputs);
  if (deps.stop.aborted) return state.status;
  try {
    return await runFromState(deps, run, state);
  } finally {
    // Whatever this application appended without waiting is durable before it counts as done.
    await run.durable;
  }
}

async function runFromState(deps: StepRunnerDeps, run: AppRun, state: AppState): Promise<Status> {
  const prepared = run.prepared;
  const appId = prepared.app.id;
  const emit = deps.events.emit.bind(deps.events);
  // Not awaited on its own: the next record (a precheck's, the first step.started, or
  // app.finished) is, and any action waits for it first (runActionOnce).
  emitSoon(deps, run, { type: "app.started", app: appId });

  const pausedAt = [...state.steps.values()].find((s) => s.status === "uncertain");
  if (pausedAt) {
    await emit({
      type: "app.finished",
      app: appId,
      status: "uncertain",
      reason: `step ${pausedAt.id} is uncertain: settle it first`,
      manual: [pausedAt.id],
    });
    return "uncertain";
  }

  if (state.undo) return rollBack(deps, run, state, "rolled back by the operator (ferry rollback)");
  if (state.rollingBack) return rollBack(deps, run, state, state.steps.get(state.failedStep ?? "")?.error?.message);
  // Paused before: a ferry stopped between the step's failure and the pause, or a resume
  // without --retry-failed. It stays where it failed.
  const failedAt = state.failedStep ? state.steps.get(state.failedStep) : undefined;
  if (deps.onFailure === "pause" && failedAt?.status === "failed") return pause(deps, run, `step ${failedAt.id} failed: ${failedAt.error?.message ?? "failed"}`);

  // Prechecks guard the first change: they run again on resume until a changing step (not an
  // approval gate) has started, so a day spent waiting for approval is re-checked.
  const gates = new Set(prepared.steps.filter((s) => s.action.kind === "approval").map((s) => s.id));
  const anyStarted = [...state.steps.values()].some((s) => !gates.has(s.id) && (s.attempt > 0 || s.status !== "pending"));
  if (!anyStarted) {
    const failed: string[] = [];
    for (const p of prepared.prechecks) {
      if (deps.stop.aborted) return "running";
      const error = await probeOnce(deps, run, p.action, { precheck: p.id });
      await emit({ type: error ? "precheck.failed" : "precheck.passed", app: appId, step: p.id, error });
      if (error) failed.push(`${p.id}: ${error.message}`);
    }
    if (failed.length > 0) {
      await emit({ type: "app.finished", app: appId, status: "failed", reason: `precheck failed, nothing was changed: ${failed.join("; ")}` });
      return "failed";
    }
  }

  const forward = await runSteps(deps, run, state);
  if (forward.kind === "failed") return deps.onFailure === "pause" ? pause(deps, run, forward.reason) : rollBack(deps, run, state, forward.reason);
  if (forward.kind === "paused") {
    await emit({ type: "app.finished", app: appId, status: forward.status, reason: forward.reason, manual: forward.steps });
    return forward.status;
  }
  if (forward.kind === "interrupted") return "running";

  for (const v of prepared.verify) {
    const verdict = await runVerifyGate(deps, run, v);
    if (verdict.kind === "interrupted") return "running";
    if (verdict.kind === "failed") {
      const reason = `verify ${v.id} failed: ${verdict.reason}`;
      return deps.onFailure === "pause" ? pause(deps, run, reason) : rollBack(deps, run, state, reason);
    }
  }
  await emit({ type: "app.finished", app: appId, status: "succeeded" });
  return "succeeded";
}

type Forward =
  | { kind: "done" }
  | { kind: "failed"; reason: string }
  | { kind: "paused"; status: "waiting" | "uncertain"; reason: string; steps: string[] }
  | { kind: "interrupted" };

/**
 * Run every step whose needs have succeeded, in file order, several at once where the DAG
 * allows. After the first failure no new step starts; running ones finish.
 */
async function runSteps(deps: StepRunnerDeps, run: AppRun, state: AppState): Promise<Forward> {
  const steps = run.prepared.steps;
  const done = new Set(steps.filter((s) => state.steps.get(s.id)?.status === "succeeded").map((s) => s.id));
  const running = new Map<string, Promise<[PreparedStep, StepOutcome]>>();
  let failure: string | undefined;
  const waiting: string[] = [];
  const uncertain: string[] = [];
  let interrupted = false;
  const blocked = () => failure !== undefined || interrupted || uncertain.length > 0 || deps.stop.aborted;

  for (;;) {
    if (!blocked()) {
      for (const s of steps) {
        if (done.has(s.id) || running.has(s.id) || waiting.includes(s.id)) continue;
        if (!s.needs.every((n) => done.has(n))) continue;
        const st = state.steps.get(s.id)!;
        running.set(s.id, runStep(deps, run, s, st).then((o) => [s, o] as [PreparedStep, StepOutcome]));
      }
    }
    if (running.size === 0) break;
    const [s, outcome] = await Promise.race(running.values());
    running.delete(s.id);
    switch (outcome.status) {
      case "succeeded":
        done.add(s.id);
        break;
      case "failed":
        failure ??= `step ${s.id} failed: ${outcome.error.message}`;
        break;
      case "waiting":
        waiting.push(s.id);
        break;
      case "uncertain":
        uncertain.push(s.id);
        break;
      case "interrupted":
        interrupted = true;
        break;
    }
  }
  if (failure !== undefined) return { kind: "failed", reason: failure };
  if (uncertain.length > 0) return { kind: "paused", status: "uncertain", reason: `step ${uncertain.join(", ")} is uncertain`, steps: uncertain };
  if (interrupted || deps.stop.aborted) {
    if (done.size === steps.length) return { kind: "done" };
    if (waiting.length === 0) return { kind: "interrupted" };
  }
  if (waiting.length > 0) {
    return { kind: "paused", status: "waiting", reason: `waiting for approval at ${waiting.join(", ")}: ferry gate approve RUN --app ${run.prepared.app.id} --step ${waiting[0]} --by NAME`, steps: waiting };
  }
  return { kind: "done" };
}

/** `--on-failure pause`: the application stops where it failed, nothing undone (exit 4). */
async function pause(deps: StepRunnerDeps, run: AppRun, reason: string): Promise<Status> {
  await deps.events.emit({ type: "app.finished", app: run.prepared.app.id, status: "paused", reason });
  return "paused";
}

/**
 * Roll back completed steps in reverse order of completion; report exactly what is left. Steps
 * a stopped ferry left in flight are settled first (orphan.ts, then their check): one that took
 * effect is undone with the rest, one in doubt leaves the application uncertain, listed for a
 * person, before anything is undone.
 */
async function rollBack(deps: StepRunnerDeps, run: AppRun, state: AppState, reason: string | undefined): Promise<Status> {
  const appId = run.prepared.app.id;
  const emit = deps.events.emit.bind(deps.events);
  const byId = new Map(run.prepared.steps.map((s) => [s.id, s]));
  const inDoubt: string[] = [];
  for (const st of [...state.steps.values()].filter((x) => x.inFlight)) {
    const step = byId.get(st.id);
    if (!step) continue;
    const verdict = await settleForUndo(deps, run, step, st);
    if (verdict === "interrupted") return "running";
    if (verdict === "uncertain") inDoubt.push(st.id);
  }
  if (inDoubt.length > 0) {
    await emit({ type: "app.finished", app: appId, status: "uncertain", reason: `step ${inDoubt.join(", ")} is uncertain: settle it before its application is rolled back`, manual: inDoubt });
    return "uncertain";
  }
  const order: PreparedStep[] = [];
  // A failed step's own rollback runs when it is idempotent and may have changed something
  // (the failed step, or one a stopped ferry left running).
  for (const failed of run.prepared.steps) {
    const st = state.steps.get(failed.id);
    if (!st || !failed.rollback || !failed.idempotent || state.succeeded.includes(failed.id)) continue;
    if (!["failed", "rolled-back", "rollback-failed"].includes(st.status)) continue;
    if ((st.error?.outcome ?? "unknown") !== "not-started") order.push(failed);
  }
  for (const id of [...state.succeeded].reverse()) {
    const s = byId.get(id);
    if (s?.rollback) order.push(s);
  }
  if (deps.stop.aborted && !order.some((s) => state.steps.get(s.id)!.rollback.status !== "none")) return "running";

  let ran = 0;
  for (let i = 0; i < order.length; i++) {
    const s = order[i]!;
    const st = state.steps.get(s.id)!;
    if (st.rollback.status === "succeeded") {
      ran++;
      continue;
    }
    const outcome = await runRollback(deps, run, s, st);
    if (outcome.status === "succeeded") {
      ran++;
      continue;
    }
    if (outcome.status === "interrupted") return "running";
    const rest = order.slice(i).map((x) => x.id);
    if (outcome.status === "uncertain") {
      await emit({ type: "app.finished", app: appId, status: "uncertain", reason: `rollback of ${s.id} is uncertain`, manual: rest });
      return "uncertain";
    }
    // Stop at the first rollback that fails: undoing earlier steps on top of a half-undone
    // later one can make things worse (e.g. starting the source while the target still runs).
    await emit({
      type: "app.finished",
      app: appId,
      status: "rollback-failed",
      reason: `${reason ?? "failed"}; then the rollback of ${s.id} failed: ${outcome.error.message}`,
      manual: rest,
    });
    return "rollback-failed";
  }
  // An application undone on request ends rolled-back even when none of its steps had a
  // rollback: there was nothing ferry could undo, and nothing failed.
  const status: Status = ran > 0 || state.undo ? "rolled-back" : "failed";
  await emit({ type: "app.finished", app: appId, status, reason: reason ?? "failed" });
  return status;
}
