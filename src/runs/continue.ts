/**
 * `ferry resume RUN` and `ferry rollback RUN`: rebuild the run from its journal alone, refuse
 * when the runbooks (or the estate or stacks) changed since it started unless the operator
 * accepts the change, journal the operator's verdict on an uncertain step, then continue.
 */
import type { RunEvent } from "../model/run-event.js";
import type { Project } from "../model/load.js";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import type { JournalRecord } from "../journal/types.js";
import { formatHead } from "../journal/heads.js";
import type { RunJournal } from "../state/index.js";
import { RunError, runbookChanges, settleStep, type RunbookChange } from "../engine/resume.js";
import { resumeRun, rollbackRun, type RunOutcome } from "../engine/run.js";
import { undoable, type RunState } from "../engine/state.js";
import type { PreparedApp } from "../engine/prepare.js";
import { currentInputsDigest, prepareApps } from "./prepare.js";
import { withRunSession, type ExecuteOptions } from "./session.js";
import { loadContextProject, stateOf, type RunsContext } from "./context.js";
import { foldRun, refuseLiveNeighbours } from "./history.js";
import { resolve } from "node:path";
import { readPlanFile } from "../model/plan-file.js";
import { watchForecast, type ForecastWatch, type ForecastWatchOptions } from "./forecast.js";

/** An operator's verdict on a step in doubt (`--step-done`, `--step-failed`, `--step-retry`). */
export interface Settlement {
  step: string;
  outcome: "done" | "failed" | "not-done";
  /** The application, when the step is in doubt in several. */
  app?: string;
}

export interface ContinueOptions extends ExecuteOptions {
  /** Continue although a runbook, the estate or a stack changed since the run started (journalled). @default false */
  acceptChanges?: boolean;
}

export interface ResumeOptions extends ContinueOptions {
  settle?: Settlement;
  /** Run the failed step (or health gates) of paused applications again (`--retry-failed`), of `app` only when given. */
  retryFailed?: boolean;
  /** With `retryFailed`: only this application. */
  app?: string;
  /** `SEQ:SUM` of a head the operator kept (`ferry status RUN` prints it): refuse a journal that does not reach it. */
  expectHead?: string;
  /** Told the wave's forecast end as the run goes on, where its plan recorded the wave's timing. */
  forecast?: Pick<ForecastWatchOptions, "onForecast" | "onRollbackPoint">;
}

/**
 * Refuse a journal cut back or rewritten below a head known from outside it: the one the
 * operator passes, and every head heads.ndjson recorded for the run. A journal truncated to its
 * header otherwise looks like a run that has not started, and resuming it would run every step
 * again.
 */
async function assertReachesHeads(ctx: Pick<RunsContext, "stateDir" | "state">, runId: string, records: readonly JournalRecord<RunEvent>[], expected?: string): Promise<void> {
  const state = stateOf(ctx);
  const heads = (await state.recordedHeads(runId)).map((h) => ({ seq: h.seq, sum: h.sum, from: `${state.headsLocation} (recorded ${h.at})` }));
  if (expected !== undefined) {
    const m = /^(\d+):([0-9a-f]{64})$/.exec(expected);
    if (!m) throw new UsageError(`--expect-head must be SEQ:SUM as \`ferry status ${runId}\` prints it, got ${JSON.stringify(expected)}`);
    heads.push({ seq: Number(m[1]), sum: m[2]!, from: "--expect-head" });
  }
  for (const h of heads) {
    const at = records[h.seq - 1];
    if (at?.sum === h.sum) continue;
    throw new FerryError(
      "journal-head-mismatch",
      `run ${runId}: the journal does not reach the head ${formatHead(h)} from ${h.from}: ${at ? `its record ${h.seq} is different` : `it ends at record ${records.length}`}. It was cut back or rewritten since`,
      "Do not resume from it: steps it no longer records would run again. Restore the journal from a copy, or inspect it by hand.",
    );
  }
}

/** Fold the run's state from the journal opened for it. */
export async function readRunState(journal: RunJournal, runId: string): Promise<RunState> {
  return foldRun(runId, journal.location, await journal.records());
}

/** Open a run's journal for continuing it; a dropped torn tail is reported through `warn`. */
export async function openRun(ctx: Pick<RunsContext, "stateDir" | "state" | "operator" | "warn">, runId: string): Promise<RunJournal> {
  const journal = await stateOf(ctx).openRun(runId, { owner: ctx.operator });
  for (const w of journal.warnings) ctx.warn?.("journal-torn-tail", w.message);
  return journal;
}

/** The application whose step `step` is to be settled: `app`, else the one where it is in doubt. */
function appOfStep(state: RunState, step: string, app: string | undefined): string {
  if (app !== undefined) return app;
  const candidates = [...state.apps.values()].filter((a) => {
    const s = a.steps.get(step);
    return s && (s.status === "uncertain" || s.inFlight || s.rollback.inFlight || s.status === "rollback-failed");
  });
  if (candidates.length === 1) return candidates[0]!.id;
  throw new UsageError(
    candidates.length === 0 ? `no application of run ${state.runId} has step ${step} in doubt` : `step ${step} is in doubt in ${candidates.map((a) => a.id).join(", ")}`,
    candidates.length === 0 ? "not-uncertain" : "usage",
    candidates.length === 0 ? "`ferry status RUN` shows which steps are uncertain." : "Name the application with --app.",
  );
}

/** What the operator accepted by continuing over changed inputs. */
interface AcceptedDrift {
  changes: RunbookChange[];
  /** The new inputs digest, when the estate or a stack changed. */
  inputsDigest?: string;
}

/** Refuse to continue over changed inputs unless accepted; returns what was accepted. */
function checkDrift(state: RunState, project: Project, compareInputs: boolean, accept: boolean): AcceptedDrift {
  const changes = runbookChanges(state, new Map([...project.runbooks].map(([name, r]) => [name, r.digest])));
  const inputsNow = compareInputs && state.inputsDigest !== undefined ? currentInputsDigest(project, Object.keys(state.started.runbooks)) : undefined;
  const inputsDrifted = inputsNow !== undefined && inputsNow !== state.inputsDigest;
  if ((changes.length > 0 || inputsDrifted) && !accept) {
    const what = changes.map((c) => `runbook ${c.runbook} ${c.to === "missing" ? "was removed" : `changed (was ${c.from.slice(0, 12)}…, now ${c.to.slice(0, 12)}…)`}`);
    if (inputsDrifted && changes.length === 0) what.push(`the estate or a stack config changed (inputs ${state.inputsDigest} → ${inputsNow})`);
    throw new RunError(
      "runbook-changed",
      `run ${state.runId} cannot continue: ${what.join("; ")} since the run started`,
      "Restore the files the run started with, or pass --accept-changes to continue with them as they are now (the change is journalled with your name).",
    );
  }
  return { changes, inputsDigest: inputsDrifted ? inputsNow : undefined };
}

/** Prepare the run's applications from the project as it is now. */
async function prepareRun(ctx: RunsContext, state: RunState): Promise<{ project: Project; apps: PreparedApp[] }> {
  const project = await loadContextProject(ctx);
  const apps = prepareApps(project, state.started.apps.map((a) => ({ id: a.app, runbook: a.runbook })), ctx.env);
  return { project, apps };
}

/**
 * Continue a stopped run (after a crash, Ctrl-C, an approval gate or an uncertain step), after
 * journalling the operator's verdict on a step in doubt when one is given.
 */
export async function resumeRunById(ctx: RunsContext, runId: string, opts: ResumeOptions = {}): Promise<RunOutcome> {
  const journal = await openRun(ctx, runId);
  let handedOver = false;
  try {
    await assertReachesHeads(ctx, runId, await journal.records(), opts.expectHead);
    let state = await readRunState(journal, runId);
    if (state.finished && ["succeeded", "failed", "rolled-back"].includes(state.status) && !opts.settle) {
      throw new RunError("run-finished", `run ${runId} already finished: ${state.status}`, state.status === "succeeded" ? `To undo it: ferry rollback ${runId}` : "`ferry status` shows what happened.");
    }
    const { project, apps } = await prepareRun(ctx, state);
    const drift = checkDrift(state, project, true, Boolean(opts.acceptChanges));
    if (opts.settle) {
      const app = appOfStep(state, opts.settle.step, opts.settle.app);
      await settleStep(journal, state, { app, step: opts.settle.step, outcome: opts.settle.outcome, by: ctx.operator });
      state = await readRunState(journal, runId);
    }
    const retryFailed = pausedToRetry(state, opts);
    await refuseLiveNeighbours(stateOf(ctx), state, "");
    const watch = opts.forecast && (await resumedForecast(ctx, state, project, apps, opts.forecast));
    handedOver = true;
    try {
      const exec = watch ? { ...opts, listeners: [...(opts.listeners ?? []), watch.listener] } : opts;
      return await withRunSession({ journal, state: stateOf(ctx), projectDir: ctx.dir, estate: project.estate, apps }, exec, (engine) =>
        resumeRun(engine, { runId, operator: ctx.operator, apps, acceptedChanges: drift.changes, inputsDigest: drift.inputsDigest, retryFailed }),
      );
    } finally {
      watch?.stop();
    }
  } finally {
    if (!handedOver) await journal.close();
  }
}

/**
 * The forecast of a resumed run's wave, from the plan it started with: read again from its
 * `planFile` (as given, else under the project), and used only when it is still the plan the
 * run recorded (`planHash`). Without it there is no forecast, and the run goes on regardless.
 */
async function resumedForecast(ctx: Pick<RunsContext, "dir">, state: RunState, project: Project, apps: readonly PreparedApp[], out: Pick<ForecastWatchOptions, "onForecast" | "onRollbackPoint">): Promise<ForecastWatch | undefined> {
  const { planFile, planHash, wave: number, options } = state.started;
  if (!planFile || !planHash || number === undefined) return undefined;
  for (const file of [planFile, resolve(ctx.dir, planFile)]) {
    const plan = await readPlanFile(file).then(
      (l) => l.plan,
      () => undefined,
    );
    if (plan?.hash !== planHash) continue;
    const wave = plan.waves.find((w) => w.number === number);
    if (!wave) return undefined;
    return watchForecast({ project, plan, wave, apps, limits: { concurrency: options.concurrency, perSite: options.perSite, perHost: options.perHost }, resumedFrom: state, ...out });
  }
  return undefined;
}

/**
 * The paused applications `--retry-failed` runs again. Without it, a run whose only work left
 * is paused applications is refused with what to type: resuming would change nothing.
 */
function pausedToRetry(state: RunState, opts: ResumeOptions): string[] | undefined {
  const paused = [...state.apps.values()].filter((a) => a.status === "paused");
  if (opts.retryFailed) {
    if (opts.app !== undefined && !state.apps.has(opts.app)) throw new RunError("unknown-app", `run ${state.runId} has no application ${opts.app} (it has: ${[...state.apps.keys()].join(", ")})`);
    const chosen = paused.filter((a) => opts.app === undefined || a.id === opts.app);
    if (chosen.length === 0) {
      throw new RunError(
        "not-paused",
        opts.app !== undefined ? `application ${opts.app} of run ${state.runId} is ${state.apps.get(opts.app)!.status}, not paused: there is no failed step to run again` : `run ${state.runId} has no paused application: there is no failed step to run again`,
        "--retry-failed goes with a run started with --on-failure pause; `ferry status RUN` shows where each application stopped.",
      );
    }
    return chosen.map((a) => a.id);
  }
  // What a plain resume would work on (as the engine's `unfinished` picks it).
  const otherWork = [...state.apps.values()].some((a) => (state.rollback ? a.undo && (!a.finished || a.status === "rollback-failed") : !["succeeded", "rolled-back", "failed", "skipped", "paused"].includes(a.status)));
  if (paused.length > 0 && !otherWork && !opts.settle) {
    const first = paused[0]!;
    throw new RunError(
      "run-paused",
      `run ${state.runId} is paused: ${paused.map((a) => `${a.id} stopped where it failed (${a.reason ?? "failed"})`).join("; ")}`,
      `Fix the cause, then \`ferry resume ${state.runId} --retry-failed\` runs the failed step again; or \`ferry rollback ${state.runId} --app ${first.id}\` undoes the application.`,
    );
  }
  return undefined;
}

/**
 * Undo a run in whatever state no process works on any more: finished, failed, paused or
 * interrupted (a live run holds its lock: `run-locked`). Every application it changed, the
 * latest first, through its steps' rollbacks in reverse order, once the steps a stopped ferry
 * left in flight are settled; with `only`, just that application.
 */
export async function rollbackRunById(ctx: RunsContext, runId: string, opts: ContinueOptions & { only?: string } = {}): Promise<RunOutcome> {
  const journal = await openRun(ctx, runId);
  let handedOver = false;
  try {
    await assertReachesHeads(ctx, runId, await journal.records());
    const state = await readRunState(journal, runId);
    if (opts.only !== undefined) {
      const a = state.apps.get(opts.only);
      if (!a) throw new RunError("unknown-app", `run ${runId} has no application ${opts.only} (it has: ${[...state.apps.keys()].join(", ")})`);
      if (!undoable(a) && !(a.undo && !a.finished)) {
        throw new RunError(
          "nothing-to-roll-back",
          `application ${a.id} of run ${runId} is ${a.status}: there is nothing of it to roll back`,
          a.status === "uncertain" || a.status === "rollback-failed" ? "A person settles it first: `ferry status RUN` says what to inspect, then `ferry resume RUN --app APP --step-done STEP`." : undefined,
        );
      }
    } else if (![...state.apps.values()].some((a) => undoable(a) || (a.undo && !a.finished))) {
      throw new RunError("nothing-to-roll-back", `run ${runId} changed nothing that is not already undone: there is nothing to roll back`, "`ferry status RUN` shows each application's state.");
    }
    await refuseLiveNeighbours(stateOf(ctx), state, "");
    const { project, apps } = await prepareRun(ctx, state);
    // Rollbacks written in the runbooks run now: refuse if they are not the ones the run started with.
    checkDrift(state, project, false, Boolean(opts.acceptChanges));
    handedOver = true;
    return await withRunSession({ journal, state: stateOf(ctx), projectDir: ctx.dir, estate: project.estate, apps }, opts, (engine) =>
      rollbackRun(engine, { runId, operator: ctx.operator, apps, ...(opts.only !== undefined ? { only: [opts.only] } : {}) }),
    );
  } finally {
    if (!handedOver) await journal.close();
  }
}
