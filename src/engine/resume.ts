/**
 * What happens between a stopped run and its continuation: reading the state back from the
 * journal, finding the runbooks that changed since it started (the caller refuses or accepts
 * them), settling uncertain steps and releasing approval gates. Each decision is journalled
 * with the operator's name.
 */
import type { Journal } from "../journal/types.js";
import { FerryError } from "../model/codes.js";
import type { RunEvent } from "../model/run-event.js";
import { runStream } from "./events.js";
import { foldEvents } from "./state.js";
import type { RunState } from "./state.js";

/** An engine refusal the operator can act on; `code` is in model/codes.ts. */
export class RunError extends FerryError {
  override name = "RunError";
  declare readonly code: RunErrorCode;
  constructor(code: RunErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

export type RunErrorCode =
  | "runbook-changed"
  | "not-uncertain"
  | "gate-not-waiting"
  | "approval-refused"
  | "unknown-app"
  | "unknown-step"
  | "run-finished"
  | "run-not-finished"
  | "run-paused"
  | "not-paused"
  | "nothing-to-roll-back";

/** Rebuild a run's state from its journal alone. */
export async function readRunState(journal: Journal<RunEvent>): Promise<RunState> {
  return foldEvents((await journal.records()).map((r) => r.event));
}

/** One runbook whose file differs from the one the run started with. */
export interface RunbookChange {
  runbook: string;
  from: string;
  to: string;
}

/** Runbooks the run used whose digest is different now (`missing` when the file is gone). */
export function runbookChanges(state: RunState, current: ReadonlyMap<string, string>): RunbookChange[] {
  const changes: RunbookChange[] = [];
  const was = { ...state.started.runbooks };
  for (const c of state.acceptedChanges) was[c.runbook] = c.to;
  for (const [name, digest] of Object.entries(was).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const now = current.get(name) ?? "missing";
    if (now !== digest) changes.push({ runbook: name, from: digest, to: now });
  }
  return changes;
}

function findStep(state: RunState, app: string, step: string) {
  const a = state.apps.get(app);
  if (!a) throw new RunError("unknown-app", `run ${state.runId} has no application ${app} (it has: ${[...state.apps.keys()].join(", ")})`);
  const s = a.steps.get(step);
  if (!s) throw new RunError("unknown-step", `application ${app} has no step ${step} (it has: ${[...a.steps.keys()].join(", ")})`);
  return { a, s };
}

export interface SettleInput {
  app: string;
  step: string;
  outcome: "done" | "failed" | "not-done";
  by: string;
}

/**
 * Journal an operator's verdict on an uncertain step (or uncertain rollback):
 * `done` it took effect, `failed` treat as failed, `not-done` it did not happen and may run again.
 */
export async function settleStep(journal: Journal<RunEvent>, state: RunState, input: SettleInput): Promise<void> {
  const { s } = findStep(state, input.app, input.step);
  // A failed rollback can be settled too: a person finished it by hand (`done`), and resume
  // goes on with the remaining rollbacks.
  const rollbackFailed = s.status === "rollback-failed" && s.rollback.status === "failed";
  const phase = s.uncertainPhase ?? (s.inFlight ? "step" : s.rollback.inFlight || rollbackFailed ? "rollback" : undefined);
  if (s.status !== "uncertain" && !s.inFlight && !s.rollback.inFlight && !rollbackFailed) {
    throw new RunError(
      "not-uncertain",
      `step ${input.step} of ${input.app} is ${s.status}, not uncertain: there is nothing to settle`,
      "Only steps reported uncertain (or left running by a crash) can be settled.",
    );
  }
  const stream = runStream({ runId: state.runId, journal, state });
  await stream.emit({ type: "operator.settled", app: input.app, step: input.step, phase: phase ?? "step", outcome: input.outcome, by: input.by });
}

export interface ApproveInput {
  app: string;
  step: string;
  by: string;
  /** Refuse unless the run was started from this plan hash (when given). */
  planHash?: string;
  /** A signed release, already verified against allowed_signers (runs/gate.ts). */
  signed?: { key: string; signature: string; signedAt: string };
  /** Fingerprints of the keys that are the run operator's: a release signed with one is refused (four eyes). */
  operatorKeys?: ReadonlySet<string>;
}

/**
 * Release an approval gate: the approval is journalled bound to this run, step and plan hash.
 * Refused when the step is not a gate of this run, when the approver is not on the gate's
 * list, or when the run's own operator approves a gate with no list naming them. Four eyes
 * compares keys where the release is signed: a key of the operator who started the run never
 * releases its gate, whatever name it is given, list or not.
 */
export async function approveGate(journal: Journal<RunEvent>, state: RunState, input: ApproveInput): Promise<void> {
  const { a, s } = findStep(state, input.app, input.step);
  const planned = a.planned.steps.find((x) => x.id === input.step);
  if (!planned?.approval) {
    throw new RunError("gate-not-waiting", `step ${input.step} of ${input.app} is not an approval gate`);
  }
  if (s.status === "succeeded") throw new RunError("gate-not-waiting", `the gate ${input.step} of ${input.app} is already released`);
  if (input.planHash !== undefined && state.started.planHash !== undefined && input.planHash !== state.started.planHash) {
    throw new RunError("approval-refused", `the approval names plan ${input.planHash}, but run ${state.runId} runs plan ${state.started.planHash}`);
  }
  if (!s.gate?.waiting) {
    throw new RunError("gate-not-waiting", `the gate ${input.step} of ${input.app} is not waiting (it is ${s.status})`, "Approve a gate once `ferry status` shows it waiting.");
  }
  const approvers = s.gate.approvers;
  if (approvers?.length && !approvers.includes(input.by)) {
    throw new RunError("approval-refused", `${input.by} may not release this gate: it needs one of ${approvers.join(", ")}`, "Ask one of the named approvers.");
  }
  if (input.signed && input.operatorKeys?.has(input.signed.key)) {
    throw new RunError(
      "approval-refused",
      `key ${input.signed.key} is a key of ${state.started.operator}, who started run ${state.runId}: it cannot release the run's own gate, under any name`,
      "Four eyes: another person releases the gate with their own key.",
    );
  }
  if (!approvers?.length && input.by === state.started.operator) {
    throw new RunError(
      "approval-refused",
      `${input.by} started this run and cannot approve its own gate`,
      "Four eyes: another person approves, or the runbook lists approvers by name.",
    );
  }
  const stream = runStream({ runId: state.runId, journal, state });
  await stream.emit({
    type: "gate.approved",
    app: input.app,
    step: input.step,
    by: input.by,
    // Bound to the run's plan when it has one; an empty hash is not journalled (as in run.started).
    ...(state.started.planHash ? { planHash: state.started.planHash } : {}),
    ...(input.signed ? { key: input.signed.key, signature: input.signed.signature, signedAt: input.signed.signedAt } : {}),
  });
}

