/**
 * A run's state, rebuilt from its events alone by a pure fold. `ferry status`, `ferry resume`
 * and the engine itself read state only through this, so a replayed journal gives exactly the
 * state the crashed process had when its last record became durable.
 */
import { JournalError } from "../journal/errors.js";
import type { EventError, PlannedRunApp, ProcessRef, RunEvent, RunStarted, Status } from "../model/run-event.js";

export interface StepState {
  id: string;
  status: Status;
  /** Last attempt started (0 = never). */
  attempt: number;
  /** Attempts made before the operator asked for it to run again (`--retry-failed`): its retry policy counts from here. */
  retryFrom?: number;
  /** A `step.started` is durable without a recorded outcome: the action may be mid-way or done. */
  inFlight: boolean;
  /** The attempt in flight: when it started, whether its action journals its process first, and that process. */
  current?: InFlightAttempt;
  outputs?: Record<string, unknown>;
  error?: EventError;
  via?: "action" | "check" | "operator";
  rollback: { status: "none" | "running" | "succeeded" | "failed" | "uncertain"; attempt: number; inFlight: boolean; error?: EventError; current?: InFlightAttempt };
  /** Which part is in doubt when status is `uncertain`. */
  uncertainPhase?: "step" | "rollback";
  uncertainInspect?: string;
  gate?: { waiting: boolean; approvers?: string[]; approvedBy?: string; approvedAt?: string; planHash?: string };
}

/** What the journal says of an attempt that started and has no outcome yet. */
export interface InFlightAttempt {
  attempt: number;
  /** ISO time of its `step.started` / `rollback.started`. */
  at: string;
  /** Its action journals the process group before running the command (see StepStarted.gated). */
  gated: boolean;
  /** The process group, once journalled (`step.process`). */
  process?: ProcessRef;
  /** A resume saw that group end, or ended it (`step.orphan`): only the attempt's outcome is left to decide. */
  ended?: boolean;
}

export interface AppState {
  id: string;
  planned: PlannedRunApp;
  status: Status;
  started: boolean;
  prechecksPassed: boolean;
  steps: Map<string, StepState>;
  /** Step ids in the order they succeeded: rollbacks run in the reverse of this. */
  succeeded: string[];
  /** The forward step that failed, if any (rollback phase). */
  failedStep?: string;
  rollingBack: boolean;
  reason?: string;
  manual?: string[];
  finished: boolean;
  /** Event count when the application last finished: `ferry rollback` undoes in reverse of this. */
  finishedAt?: number;
  /** Being undone by `ferry rollback` after it succeeded. */
  undo: boolean;
}

export interface RunState {
  runId: string;
  started: RunStarted;
  status: Status;
  apps: Map<string, AppState>;
  interrupted: boolean;
  finished: boolean;
  exitCode?: number;
  resumes: number;
  /** The inputs digest the run continues with (the plan's, or the one accepted on resume). */
  inputsDigest?: string;
  /** `ferry rollback` was asked for: the remaining work is undoing completed applications. */
  rollback: boolean;
  /** The applications `ferry rollback --app` named; absent when the whole run is rolled back. */
  rollbackApps?: string[];
  acceptedChanges: { runbook: string; from: string; to: string }[];
  /** Events seen (for status output). */
  events: number;
  lastAt: string;
}

function newStep(id: string): StepState {
  return { id, status: "pending", attempt: 0, inFlight: false, rollback: { status: "none", attempt: 0, inFlight: false } };
}

/** The initial state from run.started. */
export function initialState(e: RunStarted): RunState {
  const apps = new Map<string, AppState>();
  for (const a of e.apps) {
    apps.set(a.app, {
      id: a.app,
      planned: a,
      status: "pending",
      started: false,
      prechecksPassed: false,
      steps: new Map(a.steps.map((s) => [s.id, newStep(s.id)])),
      succeeded: [],
      rollingBack: false,
      finished: false,
      undo: false,
    });
  }
  return {
    runId: e.run,
    started: e,
    status: "running",
    apps,
    interrupted: false,
    finished: false,
    resumes: 0,
    // Absent, not "": callers test `inputsDigest !== undefined`.
    ...(e.inputsDigest ? { inputsDigest: e.inputsDigest } : {}),
    rollback: false,
    acceptedChanges: [],
    events: 1,
    lastAt: e.at,
  };
}

/**
 * Apply one event. Mutates and returns `state` (folding 100,000 records must stay well under
 * a second); the function is still deterministic: same events, same state.
 */
export function applyEvent(state: RunState, e: RunEvent): RunState {
  state.events++;
  state.lastAt = e.at;
  if (e.type === "run.started") return state;
  if (e.type === "run.resumed") {
    state.resumes++;
    state.interrupted = false;
    state.finished = false;
    state.status = "running";
    if (e.acceptedChanges) state.acceptedChanges.push(...e.acceptedChanges);
    if (e.inputsDigest) state.inputsDigest = e.inputsDigest;
    if (e.retryFailed) {
      // Going on with the run: a rollback of some applications (`ferry rollback --app`) is over.
      state.rollback = false;
      state.rollbackApps = undefined;
      for (const id of e.retryFailed) {
        const a = state.apps.get(id);
        if (a?.status !== "paused") continue;
        for (const st of a.steps.values()) {
          if (st.status !== "failed") continue;
          st.status = "pending";
          st.retryFrom = st.attempt;
        }
        a.failedStep = undefined;
        a.rollingBack = false;
        a.finished = false;
        a.status = "running";
      }
    }
    if (e.rollback) {
      const only = e.apps ? new Set(e.apps) : undefined;
      // A second `--app` rollback adds to the first; one of the whole run covers everything.
      state.rollbackApps = only && (!state.rollback || state.rollbackApps) ? [...new Set([...(state.rollbackApps ?? []), ...only])] : undefined;
      state.rollback = true;
      for (const a of state.apps.values()) {
        if ((only && !only.has(a.id)) || !undoable(a)) continue;
        a.undo = true;
        a.rollingBack = true;
        a.finished = false;
        a.status = "running";
      }
    }
    return state;
  }
  if (e.type === "run.interrupted") {
    state.interrupted = true;
    return state;
  }
  if (e.type === "run.finished") {
    state.finished = true;
    state.status = e.status;
    state.exitCode = e.exitCode;
    return state;
  }
  const app = state.apps.get(e.app);
  if (!app) return state; // an event about an application this run does not know: ignore
  switch (e.type) {
    case "app.started":
      app.started = true;
      app.finished = false;
      app.status = "running";
      return state;
    case "app.finished":
      app.status = e.status;
      app.finished = !["waiting", "uncertain", "running", "pending"].includes(e.status);
      app.finishedAt = state.events;
      if (e.reason !== undefined) app.reason = e.reason;
      if (e.manual) app.manual = e.manual;
      return state;
    case "precheck.passed":
    case "precheck.failed":
      return state;
    case "verify.probe":
    case "verify.passed":
    case "verify.failed":
      return state;
  }
  const step = app.steps.get(e.step) ?? app.steps.set(e.step, newStep(e.step)).get(e.step)!;
  switch (e.type) {
    case "step.started":
      step.status = "running";
      step.attempt = e.attempt;
      step.inFlight = true;
      step.current = { attempt: e.attempt, at: e.at, gated: e.gated === true };
      if (app.prechecksPassed === false) app.prechecksPassed = true;
      break;
    case "step.attempt.failed":
      step.inFlight = false;
      step.error = e.error;
      break;
    case "step.checked":
      // Only "not in effect" frees the step to run again. "In effect" (or a probe that could not
      // tell) is acted on by the next record (step.succeeded, step.uncertain); a crash before it
      // leaves the step in flight, to be checked again, never to be run again.
      if (!e.tookEffect && !e.error) step.inFlight = false;
      break;
    case "step.succeeded":
      step.status = "succeeded";
      step.inFlight = false;
      step.via = e.via;
      if (e.outputs) step.outputs = e.outputs;
      if (step.gate) step.gate.waiting = false;
      if (!app.succeeded.includes(step.id)) app.succeeded.push(step.id);
      break;
    case "step.failed":
      step.status = "failed";
      step.inFlight = false;
      step.error = e.error;
      app.failedStep = step.id;
      // Under `--on-failure pause` the application stops where it failed: nothing is undone
      // unless the operator asks (`ferry rollback --app`), which sets `undo`.
      if (state.started.options.onFailure !== "pause" || app.undo) app.rollingBack = true;
      break;
    case "step.uncertain":
      step.status = "uncertain";
      step.uncertainPhase = e.phase;
      step.uncertainInspect = e.inspect;
      if (e.phase === "rollback") {
        step.rollback.status = "uncertain";
        step.rollback.inFlight = false;
      } else step.inFlight = false;
      break;
    case "operator.settled":
      if (e.outcome === "not-done") {
        if (e.phase === "step") {
          step.status = "pending";
          step.inFlight = false;
        } else {
          step.rollback.status = "none";
          step.rollback.inFlight = false;
          step.status = app.succeeded.includes(step.id) ? "succeeded" : "failed";
        }
      } else if (e.phase === "step") {
        if (e.outcome === "done") {
          step.status = "succeeded";
          step.via = "operator";
          if (!app.succeeded.includes(step.id)) app.succeeded.push(step.id);
        } else {
          step.status = "failed";
          app.failedStep = step.id;
          app.rollingBack = true;
        }
      } else {
        step.rollback.status = e.outcome === "done" ? "succeeded" : "failed";
        step.status = e.outcome === "done" ? "rolled-back" : "rollback-failed";
      }
      step.uncertainPhase = undefined;
      break;
    case "rollback.started":
      app.rollingBack = true;
      step.rollback.status = "running";
      step.rollback.attempt = e.attempt;
      step.rollback.inFlight = true;
      step.rollback.current = { attempt: e.attempt, at: e.at, gated: e.gated === true };
      break;
    case "step.process": {
      const current = e.phase === "rollback" ? step.rollback.current : step.current;
      if (current?.attempt === e.attempt) current.process = e.process;
      break;
    }
    case "step.orphan": {
      // The process group is gone: what is left to decide is whether the attempt took effect.
      const current = e.phase === "rollback" ? step.rollback.current : step.current;
      if (current?.attempt === e.attempt) current.ended = true;
      break;
    }
    case "rollback.attempt.failed":
      step.rollback.inFlight = false;
      step.rollback.error = e.error;
      break;
    case "rollback.succeeded":
      step.rollback.status = "succeeded";
      step.rollback.inFlight = false;
      step.status = "rolled-back";
      break;
    case "rollback.failed":
      step.rollback.status = "failed";
      step.rollback.inFlight = false;
      step.rollback.error = e.error;
      step.status = "rollback-failed";
      break;
    case "gate.waiting":
      step.status = "waiting";
      // Spread over the earlier gate record: an explicit undefined would erase what it holds.
      step.gate = { ...step.gate, waiting: true, ...(e.approvers ? { approvers: e.approvers } : {}) };
      break;
    case "gate.approved":
      // As above: only a recorded plan hash replaces the one the gate holds.
      step.gate = { ...step.gate, waiting: step.gate?.waiting ?? true, approvedBy: e.by, approvedAt: e.at, ...(e.planHash ? { planHash: e.planHash } : {}) };
      break;
  }
  return state;
}

/**
 * Whether `ferry rollback` undoes this application, whatever state the run is in: it succeeded
 * or is paused; or it began and did not finish (interrupted mid-step, waiting at a gate: its
 * steps in doubt are settled first, then its completed steps undone); or it stopped short with
 * a completed step whose rollback has not run. Uncertain and rollback-failed applications are
 * a person's to finish: the rollback's outcome reports them instead of claiming it undid them.
 * An application that never started has nothing to undo.
 */
export function undoable(a: AppState): boolean {
  if (a.status === "succeeded" || a.status === "paused") return true;
  if (a.status === "uncertain" || a.status === "rollback-failed" || a.status === "rolled-back") return false;
  if (!a.finished && a.started) return true;
  return pendingUndo(a).length > 0;
}

/** Completed steps of `a` that have a rollback not yet done. */
export function pendingUndo(a: AppState): string[] {
  const withRollback = new Set(a.planned.steps.filter((s) => s.hasRollback).map((s) => s.id));
  return a.succeeded.filter((id) => withRollback.has(id) && a.steps.get(id)?.rollback.status !== "succeeded");
}

/** Application statuses, counted. */
export function countStatuses(state: RunState): Partial<Record<Status, number>> {
  const counts: Partial<Record<Status, number>> = {};
  for (const a of state.apps.values()) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}

/** Fold a whole event list. Throws when the first event is not run.started. */
export function foldEvents(events: Iterable<RunEvent>): RunState {
  let state: RunState | undefined;
  for (const e of events) {
    if (!state) {
      if (e.type !== "run.started") throw new JournalError("journal-corrupt", `the journal does not begin with run.started (it begins with ${e.type})`, { hint: "Keep a copy of it; it was not written by ferry as it stands." });
      state = initialState(e);
    } else applyEvent(state, e);
  }
  if (!state) {
    throw new JournalError("journal-empty", "the journal has no records: ferry stopped between creating it and writing the run's first record, so nothing ran", {
      hint: "Discard it with `ferry discard RUN`.",
    });
  }
  return state;
}

/**
 * Plain-JSON view of a state for `ferry status --json` and snapshot tests. Fields without a
 * value are left out rather than set to undefined: snapshots compare the keys one by one.
 */
export function stateToJson(s: RunState): Record<string, unknown> {
  return {
    run: s.runId,
    status: s.status,
    interrupted: s.interrupted,
    finished: s.finished,
    ...(s.exitCode !== undefined ? { exitCode: s.exitCode } : {}),
    operator: s.started.operator,
    startedAt: s.started.at,
    lastEventAt: s.lastAt,
    ...(s.started.planHash ? { plan: s.started.planHash } : {}),
    ...(s.started.wave !== undefined ? { wave: s.started.wave } : {}),
    ...(s.started.rehearsal ? { rehearsal: true } : {}),
    resumes: s.resumes,
    ...(s.rollback ? { rollback: true } : {}),
    ...(s.rollbackApps ? { rollbackApps: s.rollbackApps } : {}),
    applications: [...s.apps.values()].map((a) => ({
      id: a.id,
      runbook: a.planned.runbook,
      status: a.status,
      ...(a.reason ? { reason: a.reason } : {}),
      ...(a.manual ? { manual: a.manual } : {}),
      steps: [...a.steps.values()].map((st) => ({
        id: st.id,
        status: st.status,
        attempt: st.attempt,
        ...(st.via ? { via: st.via } : {}),
        ...(st.error ? { error: { code: st.error.code, message: st.error.message } } : {}),
        ...(st.uncertainInspect && st.status === "uncertain" ? { inspect: st.uncertainInspect } : {}),
        ...(st.gate?.approvedBy ? { approvedBy: st.gate.approvedBy } : {}),
      })),
    })),
  };
}
