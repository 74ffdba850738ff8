/**
 * Starts and resumes runs: wires the event stream, the scheduler and the application runner.
 * Everything the engine knows about a run's progress is in its journal, so `startRun` and
 * `resumeRun` share one loop over the folded state.
 */
import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { Logger } from "pino";
import type { ActionRegistry } from "../actions/types.js";
import type { Journal } from "../journal/types.js";
import type { Estate } from "../model/estate.js";
import { EXIT } from "../model/run-event.js";
import type { OnFailure, RunEvent, RunStarted, Status } from "../model/run-event.js";
import { runApplication } from "./application.js";
import { runStream } from "./events.js";
import type { EventListener, EventStream } from "./events.js";
import { formatBudget, parseFailureBudget } from "./failure-budget.js";
import type { FailureBudget } from "./failure-budget.js";
import type { PreparedApp } from "./prepare.js";
import { plannedRunApp } from "./prepare.js";
import type { Redactor } from "./redact.js";
import type { StepRunnerDeps } from "./run-context.js";
import { DEFAULT_CONCURRENCY, FAILURE_STATUSES, schedule } from "./scheduler.js";
import { countStatuses, foldEvents, initialState, pendingUndo } from "./state.js";
import type { AppState, RunState } from "./state.js";

/** A sortable run id: UTC timestamp then 6 random hex digits, e.g. 20270112-190003-3fa9c2. */
export function newRunId(now: Date = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${t}-${randomBytes(3).toString("hex")}`;
}

/**
 * Signals for a run. `interrupt` is what SIGINT/SIGTERM call: the first stops new work, the
 * second aborts running actions. Both are journalled.
 */
export class RunControl {
  readonly stopController = new AbortController();
  readonly abortController = new AbortController();
  private stream: EventStream | undefined;
  private pending: Promise<unknown> = Promise.resolve();

  constructor() {
    // Every running action listens for the second signal (one listener each, removed when it
    // settles), so their number follows --concurrency: not a leak.
    setMaxListeners(0, this.abortController.signal);
  }

  get stop(): AbortSignal {
    return this.stopController.signal;
  }
  get abort(): AbortSignal {
    return this.abortController.signal;
  }
  /** @internal */
  attach(stream: EventStream): void {
    this.stream = stream;
  }
  /** First call: stop starting new work. Second: abort running steps. */
  interrupt(signal: string): void {
    const second = this.stop.aborted;
    if (second) this.abortController.abort(new Error(`${signal} (second)`));
    else this.stopController.abort(new Error(signal));
    if (this.stream) this.pending = this.stream.emit({ type: "run.interrupted", signal, abort: second }).catch(() => undefined);
  }
  /** @internal wait for the interrupt record. */
  async flushed(): Promise<void> {
    await this.pending;
  }
}

export interface EngineOptions {
  journal: Journal<RunEvent>;
  actions: ActionRegistry;
  estate: Estate;
  /** Project directory actions resolve relative paths against. */
  cwd: string;
  log: Logger;
  /** Renderers of the event stream (terminal, NDJSON, logger). The journal is always first. */
  listeners?: EventListener[];
  /** Shared with the CLI so errors it prints are redacted too. @default a new Redactor */
  redactor?: Redactor;
  control?: RunControl;
  /** Applications running at once. @default DEFAULT_CONCURRENCY (10) */
  concurrency?: number;
  perSite?: number;
  perHost?: number;
  /** @default { kind: "count", count: 0 }: the first failure stops new starts */
  budget?: FailureBudget;
  /** What a failed application does: undo its completed steps, or stop where it failed. Recorded in run.started; resume keeps it. @default "rollback" */
  onFailure?: OnFailure;
  sleep?: StepRunnerDeps["sleep"];
  clock?: StepRunnerDeps["clock"];
  /** Longest wait on resume for a step a stopped ferry left running, before it is killed. @default until the step's timeout */
  orphanWaitMs?: number;
  now?: () => Date;
}

/** A run's failure budget when none is given: `--max-failures 0`, the first failure stops new starts. */
const DEFAULT_BUDGET: FailureBudget = { kind: "count", count: 0 };

export interface RunOutcome {
  runId: string;
  status: Status;
  exitCode: number;
  state: RunState;
}

export interface StartRunInput {
  runId?: string;
  operator: string;
  apps: PreparedApp[];
  runbooks: Record<string, string>;
  planFile?: string;
  planHash?: string;
  inputsDigest?: string;
  wave?: number;
  /** The change-board approval on file for the wave. */
  approval?: RunStarted["approval"];
  /** The operator's declared emergency, when the wave runs outside its window. */
  emergency?: RunStarted["emergency"];
  /** A rehearsal against a test environment (`ferry run --rehearsal`). */
  rehearsal?: boolean;
}

/** This run's event stream, the secrets of `apps` added to the shared redactor. */
function streamOf(opts: EngineOptions, runId: string, apps: PreparedApp[], state?: RunState): EventStream {
  return runStream({ runId, journal: opts.journal, apps, redactor: opts.redactor, listeners: opts.listeners, now: opts.now, state });
}

/** Start a new run of the given prepared applications. */
export async function startRun(opts: EngineOptions, input: StartRunInput): Promise<RunOutcome> {
  const runId = input.runId ?? newRunId(opts.now?.());
  const stream = streamOf(opts, runId, input.apps);
  const budget = opts.budget ?? DEFAULT_BUDGET;
  const started = (await stream.emit({
    type: "run.started",
    operator: input.operator,
    approval: input.approval,
    emergency: input.emergency,
    ...(input.rehearsal ? { rehearsal: true as const } : {}),
    // An empty string is journalled as absent: approvals and gates compare planHash exactly.
    ...(input.planFile ? { planFile: input.planFile } : {}),
    ...(input.planHash ? { planHash: input.planHash } : {}),
    ...(input.inputsDigest ? { inputsDigest: input.inputsDigest } : {}),
    wave: input.wave,
    dryRun: false,
    runbooks: input.runbooks,
    apps: input.apps.map(plannedRunApp),
    options: {
      concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
      // 0 means no limit to the scheduler: journalled as absent, as resume reads it back.
      ...(opts.perSite ? { perSite: opts.perSite } : {}),
      ...(opts.perHost ? { perHost: opts.perHost } : {}),
      maxFailures: formatBudget(budget),
      onFailure: opts.onFailure ?? "rollback",
    },
  })) as RunStarted;
  stream.state = initialState(started);
  return execute(opts, stream, input.apps);
}

export interface ResumeInput {
  runId: string;
  operator: string;
  apps: PreparedApp[];
  /** Paused applications whose failed steps (or health gates) run again (`--retry-failed`). */
  retryFailed?: string[];
  acceptedChanges?: { runbook: string; from: string; to: string }[];
  /** The new inputs digest the operator accepted (`--accept-changes` after estate or stack drift). */
  inputsDigest?: string;
}

/** Continue a run from its journal. The caller has checked runbook digests and settled steps. */
export async function resumeRun(opts: EngineOptions, input: ResumeInput): Promise<RunOutcome> {
  const records = await opts.journal.records();
  const state = foldEvents(records.map((r) => r.event));
  const stream = streamOf(opts, input.runId, input.apps, state);
  await stream.emit({
    type: "run.resumed",
    operator: input.operator,
    // Neither an empty list nor an empty digest is journalled.
    ...(input.acceptedChanges?.length ? { acceptedChanges: input.acceptedChanges } : {}),
    ...(input.inputsDigest ? { inputsDigest: input.inputsDigest } : {}),
    ...(input.retryFailed?.length ? { retryFailed: input.retryFailed } : {}),
  });
  // A rollback continues as `ferry rollback` runs it: one application at a time, whatever fails.
  return execute(state.rollback ? { ...opts, ...ROLLBACK_LIMITS } : opts, stream, input.apps);
}

/**
 * Applications a resume (or a fresh run) still has to work on. Under `ferry rollback`: the
 * completed applications not yet undone, latest-finished first.
 */
function unfinished(state: RunState): string[] {
  if (state.rollback) {
    // One that never finished (interrupted mid-way) is the latest of all.
    const at = (a: AppState) => a.finishedAt ?? Number.POSITIVE_INFINITY;
    // A failed rollback goes on once a person settled it (`--step-done`), as it does after a run's own failure.
    return [...state.apps.values()]
      .filter((a) => a.undo && (!a.finished || a.status === "rollback-failed"))
      .sort((a, b) => at(b) - at(a))
      .map((a) => a.id);
  }
  // A paused application waits for `--retry-failed` (which makes it running) or `ferry rollback --app`.
  return [...state.apps.values()]
    .filter((a) => !["succeeded", "rolled-back", "failed", "skipped", "paused"].includes(a.status))
    .map((a) => a.id);
}

/** Limits of a rollback: later applications may depend on earlier ones, so one at a time. */
const ROLLBACK_LIMITS = { concurrency: 1, perSite: undefined, perHost: undefined, budget: { kind: "unlimited" } } as const satisfies Partial<EngineOptions>;

export interface RollbackInput {
  runId: string;
  operator: string;
  apps: PreparedApp[];
  /** Undo only these applications (`ferry rollback RUN --app A`). @default every one */
  only?: string[];
}

/**
 * `ferry rollback`: undo a run in whatever state it stopped (finished, failed, paused,
 * interrupted): its applications one at a time, the one that finished last (or never
 * finished) first, since later applications may depend on earlier ones; each through its
 * steps' rollbacks in reverse order, after settling the steps a stopped ferry left in flight.
 * Applications that never started are marked skipped. Resumable like a run: an interrupted
 * rollback continues with `ferry resume` (or `ferry rollback` again).
 */
export async function rollbackRun(opts: EngineOptions, input: RollbackInput): Promise<RunOutcome> {
  const records = await opts.journal.records();
  const stream = streamOf(opts, input.runId, input.apps, foldEvents(records.map((r) => r.event)));
  await stream.emit({ type: "run.resumed", operator: input.operator, rollback: true, ...(input.only ? { apps: input.only } : {}) });
  if (!input.only) {
    // The wave is being undone: what never began never will, in this run.
    for (const a of stream.state!.apps.values()) {
      if (!a.started && !a.finished) await stream.emit({ type: "app.finished", app: a.id, status: "skipped", reason: "never started: the run was rolled back" });
    }
  }
  return execute({ ...opts, ...ROLLBACK_LIMITS }, stream, input.apps);
}

async function execute(opts: EngineOptions, stream: EventStream, apps: PreparedApp[]): Promise<RunOutcome> {
  const state = stream.state!;
  const control = opts.control ?? new RunControl();
  control.attach(stream);
  const byId = new Map(apps.map((a) => [a.app.id, a]));
  const hosts = new Map(opts.estate.hosts.map((h) => [h.id, h]));
  const deps: StepRunnerDeps = {
    actions: opts.actions,
    events: stream,
    log: opts.log.child({ run: stream.runId }),
    host: (id) => hosts.get(id),
    cwd: opts.cwd,
    stop: control.stop,
    abort: control.abort,
    sleep: opts.sleep,
    clock: opts.clock,
    orphanWaitMs: opts.orphanWaitMs,
    onFailure: state.started.options.onFailure ?? "rollback",
  };
  const todo = unfinished(state);
  const todoSet = new Set(todo);
  const failures = state.rollback ? 0 : [...state.apps.values()].filter((a) => !todoSet.has(a.id) && FAILURE_STATUSES.has(a.status)).length;
  const items = todo.map((id) => {
    const p = state.apps.get(id)!.planned;
    return { id, hosts: p.hosts, site: p.site };
  });
  for (const id of todo) {
    if (!byId.has(id)) throw new Error(`application ${id} of run ${stream.runId} was not prepared`);
  }
  await schedule(
    items,
    {
      concurrency: opts.concurrency ?? state.started.options.concurrency,
      perSite: opts.perSite ?? state.started.options.perSite,
      perHost: opts.perHost ?? state.started.options.perHost,
      budget: opts.budget ?? recordedBudget(state),
      total: state.apps.size,
      failures,
      // The budget stops new starts only: an application that changed something (a completed or
      // in-flight step, a gate it waits at) goes on to its end or its rollback, never "skipped"
      // with its completed steps neither continued nor undone.
      committed: new Set(todo.filter((id) => hasProgress(state.apps.get(id)!))),
      stop: control.stop,
    },
    (item) => runApplication(deps, byId.get(item.id)!, state.apps.get(item.id)!),
    async (item, reason) => {
      await stream.emit({ type: "app.finished", app: item.id, status: "skipped", reason });
    },
  );
  await control.flushed();
  const { status, exitCode } = state.rollback ? summariseRollback(state, control.stop.aborted) : summarise(state, control.stop.aborted);
  if (!control.stop.aborted) {
    await stream.emit({ type: "run.finished", status, exitCode, counts: countStatuses(state) });
  }
  return { runId: stream.runId, status, exitCode, state };
}

/**
 * The failure budget the run started with (run.started `options.maxFailures`), for a resume or
 * rollback given none: a run started with `--max-failures 5` resumes with 5, not the default.
 */
function recordedBudget(state: RunState): FailureBudget {
  const recorded = state.started.options.maxFailures;
  return (recorded !== undefined ? parseFailureBudget(recorded) : undefined) ?? DEFAULT_BUDGET;
}

/** Whether an application has begun changing things: any step past pending, started or waiting. */
function hasProgress(a: AppState): boolean {
  return [...a.steps.values()].some((s) => s.status !== "pending" || s.attempt > 0 || s.gate !== undefined);
}

export { countStatuses } from "./state.js";

/**
 * The run's status and exit code. Rollback-failed wins over everything (a person must act,
 * even after an interrupt); then interrupted (130), waiting/uncertain (4), failed (1), done (0).
 */
export function summarise(state: RunState, interrupted: boolean): { status: Status; exitCode: number } {
  const statuses = [...state.apps.values()].map((a) => a.status);
  const has = (s: Status) => statuses.includes(s);
  if (has("rollback-failed")) return { status: "rollback-failed", exitCode: EXIT.rollbackFailed };
  if (interrupted) return { status: "running", exitCode: EXIT.interrupted };
  if (has("uncertain")) return { status: "uncertain", exitCode: EXIT.waiting };
  if (has("paused")) return { status: "paused", exitCode: EXIT.waiting };
  if (has("waiting")) return { status: "waiting", exitCode: EXIT.waiting };
  if (has("failed") || has("skipped")) return { status: "failed", exitCode: EXIT.failed };
  if (has("rolled-back")) return { status: "rolled-back", exitCode: EXIT.failed };
  if (has("running") || has("pending")) return { status: "running", exitCode: EXIT.interrupted };
  return { status: "succeeded", exitCode: EXIT.done };
}

/**
 * Outcome of `ferry rollback`: done (0) when every application it was to undo was undone. Of
 * `ferry rollback --app A`, once A is undone: the rest of the run's state, when it still needs
 * a person (another application paused, waiting or uncertain: exit 4).
 */
export function summariseRollback(state: RunState, interrupted: boolean): { status: Status; exitCode: number } {
  const only = state.rollbackApps ? new Set(state.rollbackApps) : undefined;
  // Of a whole-run rollback, every application with a completed step whose rollback has not run
  // counts, not only those it set out to undo: "rolled-back" means nothing completed is left in place.
  const undone = [...state.apps.values()].filter((a) => (only ? only.has(a.id) : a.undo || pendingUndo(a).length > 0)).map((a) => a.status);
  if (undone.includes("rollback-failed")) return { status: "rollback-failed", exitCode: EXIT.rollbackFailed };
  if (interrupted) return { status: "running", exitCode: EXIT.interrupted };
  if (undone.includes("uncertain")) return { status: "uncertain", exitCode: EXIT.waiting };
  if (undone.some((s) => s !== "rolled-back")) return { status: "running", exitCode: EXIT.interrupted };
  if (only) {
    const rest = [...state.apps.values()].filter((a) => !only.has(a.id)).map((a) => a.status);
    for (const s of ["uncertain", "paused", "waiting"] as const) if (rest.includes(s)) return { status: s, exitCode: EXIT.waiting };
  }
  return { status: "rolled-back", exitCode: EXIT.done };
}
