/**
 * The engine's one event stream: every transition of a run, in the order it happened. The
 * journal stores these (before the engine acts on them), `ferry status` folds them into a
 * state, `--json` prints them as NDJSON and the logger and terminal view render them. The
 * union is versioned (`v`); readers must ignore event types they do not know, and a new
 * version is only needed when an existing event changes meaning.
 */

/** Version of the event schema written by this build. */
export const RUN_EVENT_VERSION = 1 as const;

/** Statuses of runs, applications and steps (docs/formats.md, "Statuses"). */
export const STATUSES = [
  "pending",
  "running",
  "succeeded",
  "failed",
  "rolled-back",
  "rollback-failed",
  "uncertain",
  "waiting",
  "skipped",
  "paused",
] as const;
export type Status = (typeof STATUSES)[number];

/** What a failed application does: undo its completed steps, or stop where it failed (`--on-failure`). */
export const ON_FAILURE = ["rollback", "pause"] as const;
export type OnFailure = (typeof ON_FAILURE)[number];

/** The part of a runbook an event is about. */
export type Phase = "precheck" | "step" | "verify" | "rollback";

/** A failure as the journal keeps it: classified once by the action, never re-parsed. */
export interface EventError {
  code: string;
  message: string;
  transient: boolean;
  /** Whether the side effect may have happened (see actions/errors.ts `Outcome`). */
  outcome: "not-started" | "failed" | "unknown";
  timedOut?: boolean;
  aborted?: boolean;
  exitCode?: number;
  hint?: string;
  /**
   * The action's process may still be running (its connection dropped and ferry could not
   * confirm over a fresh one that the process group is gone): the step is neither checked nor
   * retried, it is uncertain.
   */
  stillRunning?: boolean;
}

/**
 * The process group a started command runs in, journalled (`step.process`) before the command
 * is let run, so that after a crash resume can wait for it or kill it before checking or
 * re-running the step.
 */
export interface ProcessRef {
  /** Estate host id of a remote command; absent for a command on the machine running ferry. */
  host?: string;
  /** Process group id: the group leader's process id. */
  pgid: number;
  /** The host's kernel boot id (Linux), when known: another boot means the group is gone. */
  boot?: string;
  /** The group leader's start time (clock ticks since boot, Linux), when known: tells a reused id apart. */
  start?: string;
}

/** What run.started records of each application, so status and resume need nothing else. */
export interface PlannedRunApp {
  app: string;
  runbook: string;
  site?: string;
  hosts: string[];
  /** Step ids in runbook order; `needs` per step when the runbook is a DAG. */
  steps: { id: string; idempotent: boolean; hasCheck: boolean; hasRollback: boolean; needs?: string[]; approval?: boolean }[];
}

interface Base {
  v: typeof RUN_EVENT_VERSION;
  /** ISO time the engine emitted the event. */
  at: string;
  run: string;
}
interface AppBase extends Base {
  app: string;
}
interface StepBase extends AppBase {
  step: string;
}

export interface RunStarted extends Base {
  type: "run.started";
  operator: string;
  planFile?: string;
  planHash?: string;
  inputsDigest?: string;
  wave?: number;
  dryRun: boolean;
  /** Digest of every runbook used, by name: resume refuses when one changed. */
  runbooks: Record<string, string>;
  apps: PlannedRunApp[];
  options: {
    concurrency: number;
    perSite?: number;
    perHost?: number;
    maxFailures?: string;
    /**
     * What a failed application does (`--on-failure`): `rollback` undoes its completed steps
     * (absent in journals of earlier builds means this), `pause` stops it where it failed, for
     * `ferry resume --retry-failed` or `ferry rollback --app`.
     */
    onFailure?: OnFailure;
  };
  /** The change-board approval the wave ran under, when one was on file. */
  approval?: { file: string; approvedBy: string; changeRef: string; approvedAt: string };
  /** Set when the operator ran the wave outside its window, in a freeze or a blackout (`--emergency`). */
  emergency?: { reason: string; by: string; overrode: string[] };
  /**
   * A rehearsal (`ferry run --rehearsal`) against a test environment: run without approval and
   * outside the window, its durations count as actuals for estimates (`ferry timings`), but the
   * wave has not run: the real run is not refused because of it, nor does `ferry plan --keep` keep
   * the wave for it. Absent on a real run.
   */
  rehearsal?: true;
}
export interface RunResumed extends Base {
  type: "run.resumed";
  operator: string;
  /** Set when the operator accepted runbook changes since the run started (`--accept-changes`). */
  acceptedChanges?: { runbook: string; from: string; to: string }[];
  /** Set with `--accept-changes` when the estate or a stack changed: the inputs digest continued with. */
  inputsDigest?: string;
  /** `ferry rollback`: undo the applications the run completed, in reverse order of completion. */
  rollback?: boolean;
  /** With `rollback`: only these applications (`ferry rollback RUN --app A`); absent means every one. */
  apps?: string[];
  /** `ferry resume --retry-failed`: these paused applications run their failed steps (or health gates) again. */
  retryFailed?: string[];
}
export interface RunInterrupted extends Base {
  type: "run.interrupted";
  signal: string;
  /** Second signal: running steps were aborted. */
  abort: boolean;
}
export interface RunFinished extends Base {
  type: "run.finished";
  status: Status;
  exitCode: number;
  counts: Partial<Record<Status, number>>;
}
export interface AppStarted extends AppBase {
  type: "app.started";
}
export interface AppFinished extends AppBase {
  type: "app.finished";
  status: Status;
  /** Why (first failure, budget exhausted, interrupted…). */
  reason?: string;
  /** Steps a person must finish by hand (rollback-failed, uncertain). */
  manual?: string[];
}
export interface PrecheckResult extends StepBase {
  type: "precheck.passed" | "precheck.failed";
  error?: EventError;
}
export interface StepStarted extends StepBase {
  type: "step.started";
  attempt: number;
  /** The rendered command for shell actions, secrets redacted. */
  command?: string;
  /**
   * The action journals its process group (`step.process`) before it lets the command run: an
   * attempt with no `step.process` record provably never ran its command.
   */
  gated?: boolean;
}
export interface StepProcess extends StepBase {
  type: "step.process";
  /** Which attempt's process: of the step itself or of its rollback. */
  phase: "step" | "rollback";
  attempt: number;
  process: ProcessRef;
}
export interface StepOrphan extends StepBase {
  type: "step.orphan";
  phase: "step" | "rollback";
  attempt: number;
  /**
   * What resume found of the process group a crash left behind: already `gone`, `exited` while
   * resume waited for it, or `killed` once the wait ran out. Only then is the step checked or
   * run again.
   */
  outcome: "gone" | "exited" | "killed";
  detail: string;
}
export interface StepAttemptFailed extends StepBase {
  type: "step.attempt.failed";
  attempt: number;
  error: EventError;
  /** Milliseconds until the next attempt. */
  retryInMs: number;
}
export interface StepSucceeded extends StepBase {
  type: "step.succeeded";
  attempt: number;
  outputs?: Record<string, unknown>;
  /** How success is known: the action returned, its `check` probe said so, or an operator did. */
  via: "action" | "check" | "operator";
}
export interface StepFailed extends StepBase {
  type: "step.failed";
  attempt: number;
  error: EventError;
}
export interface StepChecked extends StepBase {
  type: "step.checked";
  /** The `check` probe's verdict: the step already took effect. */
  tookEffect: boolean;
  error?: EventError;
}
export interface StepUncertain extends StepBase {
  type: "step.uncertain";
  phase: "step" | "rollback";
  reason: string;
  /** What the operator should look at before settling the step. */
  inspect: string;
}
export interface RollbackStarted extends StepBase {
  type: "rollback.started";
  attempt: number;
  /** As in `step.started`: the rollback's process group is journalled before it runs. */
  gated?: boolean;
}
export interface RollbackAttemptFailed extends StepBase {
  type: "rollback.attempt.failed";
  attempt: number;
  error: EventError;
  retryInMs: number;
}
export interface RollbackSucceeded extends StepBase {
  type: "rollback.succeeded";
  attempt: number;
  via?: "action" | "operator";
}
export interface RollbackFailed extends StepBase {
  type: "rollback.failed";
  attempt: number;
  error: EventError;
}
export interface GateWaiting extends StepBase {
  type: "gate.waiting";
  message: string;
  approvers?: string[];
}
export interface GateApproved extends StepBase {
  type: "gate.approved";
  by: string;
  /** Bound to this run, step and plan: an approval for another run or plan is refused. */
  planHash?: string;
  /** A signed release: the signing key's fingerprint (`SHA256:…`), never the run operator's. */
  key?: string;
  /** The armored SSHSIG signature (namespace `ferry-approval`) over the release (runs/gate.ts, gateSignedText). */
  signature?: string;
  /** When the release was signed, as the signature covers it. */
  signedAt?: string;
}
export interface VerifyProbe extends AppBase {
  type: "verify.probe";
  verify: string;
  attempt: number;
  ok: boolean;
  /** Successes in a row so far. */
  consecutive: number;
  error?: EventError;
}
export interface VerifyResult extends AppBase {
  type: "verify.passed" | "verify.failed";
  verify: string;
  reason?: string;
}
export interface OperatorSettled extends StepBase {
  type: "operator.settled";
  phase: "step" | "rollback";
  /**
   * `done`: it took effect; `failed`: treat as failed (roll back); `not-done`: it did not take
   * effect and may run again.
   */
  outcome: "done" | "failed" | "not-done";
  by: string;
}

/** Every event the engine emits. Discriminated by `type`. */
export type RunEvent =
  | RunStarted
  | RunResumed
  | RunInterrupted
  | RunFinished
  | AppStarted
  | AppFinished
  | PrecheckResult
  | StepStarted
  | StepProcess
  | StepOrphan
  | StepAttemptFailed
  | StepSucceeded
  | StepFailed
  | StepChecked
  | StepUncertain
  | RollbackStarted
  | RollbackAttemptFailed
  | RollbackSucceeded
  | RollbackFailed
  | GateWaiting
  | GateApproved
  | VerifyProbe
  | VerifyResult
  | OperatorSettled;

export type RunEventType = RunEvent["type"];

/** An event as emitted, before the engine stamps version, time and run id. */
export type RunEventInput = RunEvent extends infer E ? (E extends RunEvent ? Omit<E, "v" | "at" | "run"> : never) : never;

/** Run exit codes (docs/formats.md, "Exit codes"). */
export const EXIT = {
  done: 0,
  failed: 1,
  usage: 2,
  rollbackFailed: 3,
  waiting: 4,
  interrupted: 130,
} as const;
