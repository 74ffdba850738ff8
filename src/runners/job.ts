/**
 * One application job, as a site runner runs it: the application becomes a run of its own (one
 * application of the wave), started with the same checks, engine and actions as `ferry run
 * --only APP`, and journalled in the team's state. A job handed out again (its runner died, or
 * stopped) continues the run it started, as `ferry resume` would: the dead runner's lease on the
 * run has to expire first, and every step it left in flight is settled as after a crash: an
 * idempotent one runs again, any other waits, uncertain, for a person. Nothing runs twice.
 */
import { resolve } from "node:path";
import { FerryError } from "../model/codes.js";
import type { RunOutcome, RunControl } from "../engine/run.js";
import type { EventListener } from "../engine/events.js";
import type { RunsContext } from "../runs/context.js";
import { stateOf } from "../runs/context.js";
import { readAllRuns, readRun } from "../runs/history.js";
import { prepareWave } from "../runs/prepare.js";
import { startWave } from "../runs/start.js";
import { resumeRunById } from "../runs/continue.js";
import { discardRun } from "../runs/discard.js";
import type { AppJob } from "../state/postgres/queue.js";

/** What the job's table row says and the runner tells the coordinator. */
export interface JobRecorder {
  /** The run carrying the job, once known. */
  run(runId: string): Promise<void>;
  /** How the job ended (the run's status) or why it was refused. */
  finished(status: string, message?: string): Promise<void>;
}

export interface JobContext {
  /** The runner's runs context: its project folder, the team's state, the environment. */
  ctx: RunsContext;
  /** Signals of the run: the runner's graceful stop interrupts it. */
  control: RunControl;
  /** The run this job started earlier, from the job's row. */
  knownRun?: string;
  record: JobRecorder;
  /** How long to wait for a dead runner's lease on the run to expire. */
  takeoverWaitMs: number;
  listeners?: EventListener[];
  sleep?: (ms: number) => Promise<void>;
}

/** The job ends here (no retry): its run finished, waits for a person, or the job was refused. */
export interface JobOutcome {
  runId?: string;
  status: string;
  exitCode: number;
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run (or continue) the job's application. Throws to have the queue hand the job out again. */
export async function runAppJob(job: AppJob, jc: JobContext): Promise<JobOutcome> {
  const ctx: RunsContext = { ...jc.ctx, operator: job.operator };
  const exec = { control: jc.control, listeners: jc.listeners };
  let runId = jc.knownRun;
  // A runner that died between creating the run and journalling its first record left an empty
  // journal: nothing ran, so it is discarded (under the start lock, as `ferry discard` does) and
  // the application starts afresh.
  if (runId !== undefined && (await stateOf(ctx).readRun(runId, { maxRecords: 1 })).records.length === 0) {
    await discardRun(ctx, runId);
    runId = undefined;
  }
  if (runId === undefined) {
    let prepared;
    try {
      prepared = await prepareWave(ctx, { plan: resolve(ctx.dir, job.planFile), wave: job.wave, only: [job.app] });
    } catch (err) {
      if (err instanceof FerryError) return refuse(jc, err);
      throw err;
    }
    if (prepared.plan.hash !== job.planHash) {
      return refuse(
        jc,
        new FerryError(
          "runner-project-differs",
          `the runner's plan ${job.planFile} is ${prepared.plan.hash.slice(0, 19)}…, the wave was queued from ${job.planHash.slice(0, 19)}…`,
          "Give the runner the same project (plan, estate, runbooks) as the operator who queued the wave, e.g. the same commit of the project repository.",
        ),
      );
    }
    let recorded: Promise<void> = Promise.resolve();
    try {
      const outcome = await startWave(ctx, prepared, {
        ...exec,
        limits: { onFailure: job.onFailure ?? "rollback" },
        emergency: job.emergency,
        rehearsal: job.rehearsal,
        onStart: ({ runId: id }) => {
          recorded = jc.record.run(id);
        },
      });
      await recorded;
      return finish(jc, outcome);
    } catch (err) {
      await recorded.catch(() => undefined);
      // An earlier attempt started the run and died before the job's row learnt of it.
      if (!(err instanceof FerryError) || err.code !== "earlier-run") {
        if (err instanceof FerryError && err.exitStatus === 2) return refuse(jc, err);
        throw err;
      }
      runId = await unfinishedRunOf(ctx, job);
      // Another run holds one of its hosts (or the application itself, elsewhere): not this job's
      // to refuse for good. It goes back to the queue and is tried again after a back-off.
      if (runId === undefined) throw err;
      await jc.record.run(runId);
    }
  }
  return continueRun(ctx, runId, jc, exec);
}

/** Continue the job's run once the lease of whoever held it has expired. */
async function continueRun(ctx: RunsContext, runId: string, jc: JobContext, exec: { control: RunControl; listeners?: EventListener[] }): Promise<JobOutcome> {
  const state = await readRun(stateOf(ctx), runId, ctx.warn);
  if (state.finished && ["succeeded", "failed", "rolled-back"].includes(state.status)) {
    await jc.record.finished(state.status);
    return { runId, status: state.status, exitCode: state.exitCode ?? 0 };
  }
  const sleep = jc.sleep ?? defaultSleep;
  const until = Date.now() + jc.takeoverWaitMs;
  for (;;) {
    try {
      return await finish(jc, await resumeRunById(ctx, runId, exec));
    } catch (err) {
      if (err instanceof FerryError && err.code === "run-locked" && Date.now() < until && !jc.control.stop.aborted) {
        await sleep(250);
        continue;
      }
      if (err instanceof FerryError && err.code === "run-finished") {
        const s = await readRun(stateOf(ctx), runId, ctx.warn);
        await jc.record.finished(s.status);
        return { runId, status: s.status, exitCode: s.exitCode ?? 0 };
      }
      throw err;
    }
  }
}

/** The unfinished run of this plan and wave that holds the job's application, if any. */
async function unfinishedRunOf(ctx: RunsContext, job: AppJob): Promise<string | undefined> {
  const { runs } = await readAllRuns(stateOf(ctx), ctx.warn);
  const mine = runs.filter((r) => r.started.planHash === job.planHash && r.started.wave === job.wave && r.apps.has(job.app) && !r.finished);
  return mine.length ? mine[mine.length - 1]!.runId : undefined;
}

async function finish(jc: JobContext, outcome: RunOutcome): Promise<JobOutcome> {
  // Interrupted (the runner is stopping): the job goes back to the queue for another runner.
  if (outcome.exitCode === 130) throw new FerryError("interrupted", `run ${outcome.runId} was interrupted; the job goes back to the queue`);
  await jc.record.finished(outcome.status);
  return { runId: outcome.runId, status: outcome.status, exitCode: outcome.exitCode };
}

async function refuse(jc: JobContext, err: FerryError): Promise<JobOutcome> {
  await jc.record.finished("refused", `${err.message}${err.hint ? ` ${err.hint}` : ""} [${err.code}]`);
  return { status: "refused", exitCode: err.exitStatus };
}
