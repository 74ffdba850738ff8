/**
 * Start a prepared wave under a new run id: take the wave's lock, refuse applications an
 * earlier run still holds, create the durable journal, and execute.
 */
import type { RunEvent } from "../model/run-event.js";
import { planHashForms } from "../model/plan-hash.js";
import { openJournal } from "../journal/file-journal.js";
import { acquireRunLock } from "../journal/run-lock.js";
import { newRunId, startRun, type RunOutcome } from "../engine/run.js";
import { refuseHeldApplications } from "./history.js";
import { currentInputsDigest, type PreparedWave } from "./prepare.js";
import { withRunSession, type ExecuteOptions, type RunLimits } from "./session.js";
import type { RunsContext } from "./context.js";

export interface StartWaveOptions extends ExecuteOptions {
  limits?: RunLimits;
  /** Told the new run's id and journal before the first step starts. */
  onStart?: (run: { runId: string; journal: string }) => void;
  /** Flags the operator must repeat in the commands ferry suggests (` --dir D --state S`). @default "" */
  commandFlags?: string;
}

/** Execute a wave that {@link prepareWave} checked. Returns the run's outcome (its exit code included). */
export async function startWave(ctx: RunsContext, prepared: PreparedWave, opts: StartWaveOptions = {}): Promise<RunOutcome> {
  const wave = prepared.wave.number;
  // One run of a wave at a time on this machine: a second operator is told who holds it.
  const waveLock = await acquireRunLock(ctx.stateDir, `wave-${planHashForms(prepared.plan.hash).short}-${wave}`, { owner: ctx.operator });
  try {
    // Under the wave lock, so no other run of this wave can start between the check and ours.
    await refuseHeldApplications(ctx.stateDir, prepared.plan.hash, wave, prepared.apps.map((a) => a.app.id), opts.commandFlags ?? "");
    const runId = newRunId();
    const journal = await openJournal<RunEvent>(ctx.stateDir, runId, { mode: "create", owner: ctx.operator });
    opts.onStart?.({ runId, journal: journal.path });
    return await withRunSession(
      { journal, projectDir: ctx.dir, estate: prepared.project.estate, apps: prepared.apps, limits: opts.limits },
      opts,
      (engine) =>
        startRun(engine, {
          runId,
          operator: ctx.operator,
          apps: prepared.apps,
          runbooks: prepared.runbooks,
          planFile: prepared.planFile,
          planHash: prepared.plan.hash,
          // The digest of what this run depends on (estate, stacks, its runbooks; the plan's own
          // inputsDigest covers every runbook of the plan): resume compares against it.
          inputsDigest: currentInputsDigest(prepared.project, Object.keys(prepared.runbooks)),
          wave,
          approval: prepared.approval,
        }),
    );
  } finally {
    await waveLock.release();
  }
}
