/**
 * `ferry resume RUN` and `ferry rollback RUN`: rebuild the run from its journal alone, refuse
 * when the runbooks (or the estate or stacks) changed since it started unless the operator
 * accepts the change, journal the operator's verdict on an uncertain step, then continue.
 */
import { resolve } from "node:path";
import { UsageError } from "../model/diagnostics.js";
import type { RunEvent } from "../model/run-event.js";
import { openJournal, type FileJournal } from "../journal/file-journal.js";
import { RunError, runbookChanges, settleStep, readRunState } from "../engine/resume.js";
import { resumeRun, rollbackRun, type RunOutcome } from "../engine/run.js";
import type { RunState } from "../engine/state.js";
import type { PreparedApp } from "../engine/prepare.js";
import { loadValidProject } from "./load-project.js";
import { currentInputsDigest, prepareApps } from "./run-prepare.js";
import { nextSteps, operatorName, stateFlagFor, withRunSession } from "./run-session.js";
import { stateDirOf } from "./run-wave.js";

export interface ResumeOptions {
  stepDone?: string;
  stepFailed?: string;
  /** The step did not take effect and may run again. */
  stepRetry?: string;
  app?: string;
  acceptChanges?: boolean;
  acceptNew?: boolean;
  json?: boolean;
  verbose?: boolean;
  state?: string;
  dir: string;
}

/** Open a run's journal for continuing it, printing a torn-tail warning if one was dropped. */
export async function openRun(stateDir: string, runId: string): Promise<FileJournal<RunEvent>> {
  const journal = await openJournal<RunEvent>(stateDir, runId, { mode: "resume", owner: operatorName() });
  for (const w of journal.warnings) process.stderr.write(`ferry: warning [journal-torn-tail]: ${w.message}\n`);
  return journal;
}

/** The application whose step `step` is to be settled: `--app`, else the one where it is in doubt. */
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

/** Refuse to continue over changed inputs unless accepted; returns what was accepted. */
function checkDrift(state: RunState, digests: Map<string, string>, inputsNow: string | undefined, accept: boolean) {
  const changes = runbookChanges(state, digests);
  const inputsDrifted = inputsNow !== undefined && state.inputsDigest !== undefined && inputsNow !== state.inputsDigest;
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
async function prepareRun(dir: string, state: RunState): Promise<{ project: Awaited<ReturnType<typeof loadValidProject>>; apps: PreparedApp[] }> {
  const project = await loadValidProject(dir);
  const apps = prepareApps(project, state.started.apps.map((a) => ({ id: a.app, runbook: a.runbook })), process.env);
  return { project, apps };
}

function finish(outcome: RunOutcome, opts: ResumeOptions): number {
  (opts.json ? process.stderr : process.stdout).write(nextSteps(outcome, stateFlagFor(opts)));
  return outcome.exitCode;
}

/** `ferry resume RUN`. */
export async function resumeCommand(runId: string, opts: ResumeOptions): Promise<number> {
  const settle = [opts.stepDone && ["done", opts.stepDone], opts.stepFailed && ["failed", opts.stepFailed], opts.stepRetry && ["not-done", opts.stepRetry]].filter(Boolean) as [
    "done" | "failed" | "not-done",
    string,
  ][];
  if (settle.length > 1) throw new UsageError("give only one of --step-done, --step-failed and --step-retry");
  const stateDir = stateDirOf(opts);
  const journal = await openRun(stateDir, runId);
  let handedOver = false;
  try {
    let state = await readRunState(journal);
    if (state.finished && ["succeeded", "failed", "rolled-back"].includes(state.status) && settle.length === 0) {
      throw new RunError("run-finished", `run ${runId} already finished: ${state.status}`, state.status === "succeeded" ? `To undo it: ferry rollback ${runId}` : "`ferry status` shows what happened.");
    }
    const operator = operatorName();
    const { project, apps } = await prepareRun(opts.dir, state);
    const digests = new Map([...project.runbooks].map(([name, r]) => [name, r.digest]));
    const drift = checkDrift(state, digests, state.inputsDigest ? currentInputsDigest(project, Object.keys(state.started.runbooks)) : undefined, Boolean(opts.acceptChanges));
    if (settle.length === 1) {
      const [outcome, step] = settle[0]!;
      const app = appOfStep(state, step, opts.app);
      await settleStep(journal, state, { app, step, outcome, by: operator });
      state = await readRunState(journal);
    }
    handedOver = true;
    const outcome = await withRunSession(
      { journal, stateDir, projectDir: resolve(opts.dir), estate: project.estate, apps, json: Boolean(opts.json), verbose: Boolean(opts.verbose), acceptNew: Boolean(opts.acceptNew) },
      (engine) =>
        resumeRun(engine, {
          runId,
          operator,
          apps,
          ...(drift.changes.length ? { acceptedChanges: drift.changes } : {}),
          ...(drift.inputsDigest ? { inputsDigest: drift.inputsDigest } : {}),
        }),
    );
    return finish(outcome, opts);
  } finally {
    if (!handedOver) await journal.close();
  }
}

/** `ferry rollback RUN`: undo what a finished run completed, latest application first. */
export async function rollbackCommand(runId: string, opts: Pick<ResumeOptions, "json" | "verbose" | "state" | "dir" | "acceptChanges" | "acceptNew">): Promise<number> {
  const stateDir = stateDirOf(opts);
  const journal = await openRun(stateDir, runId);
  let handedOver = false;
  try {
    const state = await readRunState(journal);
    if (!state.finished || state.rollback) {
      throw new RunError(
        "run-not-finished",
        state.rollback ? `run ${runId} is already being rolled back` : `run ${runId} has not finished (it is ${state.status})`,
        state.rollback ? `Continue it with: ferry resume ${runId}` : `Resume it first (ferry resume ${runId}), or settle its uncertain steps.`,
      );
    }
    const done = [...state.apps.values()].filter((a) => a.status === "succeeded");
    if (done.length === 0) throw new RunError("run-finished", `run ${runId} completed no application: there is nothing to roll back`);
    const { project, apps } = await prepareRun(opts.dir, state);
    const digests = new Map([...project.runbooks].map(([name, r]) => [name, r.digest]));
    // Rollbacks written in the runbooks run now: refuse if they are not the ones the run started with.
    checkDrift(state, digests, undefined, Boolean(opts.acceptChanges));
    handedOver = true;
    const outcome = await withRunSession(
      { journal, stateDir, projectDir: resolve(opts.dir), estate: project.estate, apps, json: Boolean(opts.json), verbose: Boolean(opts.verbose), acceptNew: Boolean(opts.acceptNew) },
      (engine) => rollbackRun(engine, { runId, operator: operatorName(), apps }),
    );
    return finish(outcome, { ...opts, dir: opts.dir });
  } finally {
    if (!handedOver) await journal.close();
  }
}
