/**
 * `ferry run --plan F --wave N`: check the plan, approval and templates, then execute the
 * wave under a new run id with a durable journal in `<state>/runs/<run-id>/`. The exit code is
 * the run's (FORMATS.md): 0 done, 1 failed and rolled back, 3 rollback failed, 4 waiting or
 * uncertain, 130 interrupted.
 */
import { resolve } from "node:path";
import { UsageError } from "../model/diagnostics.js";
import type { RunEvent } from "../model/run-event.js";
import { openJournal } from "../journal/file-journal.js";
import { acquireRunLock } from "../journal/run-lock.js";
import { parseFailureBudget } from "../engine/failure-budget.js";
import { newRunId, startRun } from "../engine/run.js";
import { refuseHeldApplications } from "./run-history.js";
import { currentInputsDigest, loadWave } from "./run-prepare.js";
import { nextSteps, operatorName, stateFlagFor, withRunSession } from "./run-session.js";

/** Flags of `ferry run`, as commander gives them. */
export interface RunWaveOptions {
  plan: string;
  wave: string;
  only?: string;
  dryRun?: boolean;
  concurrency?: string;
  maxFailures?: string;
  perSite?: string;
  perHost?: string;
  acceptNew?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** State directory. @default `<dir>/.ferry` */
  state?: string;
  /** Project directory. @default "." */
  dir: string;
}

/** A positive integer flag, or a usage error naming it. */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

/** The state directory: `--state`, else `<dir>/.ferry`. */
export function stateDirOf(opts: { state?: string; dir?: string }): string {
  return resolve(opts.state ?? resolve(opts.dir ?? ".", ".ferry"));
}

/** `ferry run`. Returns the exit code. */
export async function runWave(opts: RunWaveOptions): Promise<number> {
  const wave = positiveInt("--wave", opts.wave)!;
  const concurrency = positiveInt("--concurrency", opts.concurrency);
  const perSite = positiveInt("--per-site", opts.perSite);
  const perHost = positiveInt("--per-host", opts.perHost);
  const budget = opts.maxFailures === undefined ? undefined : parseFailureBudget(opts.maxFailures);
  if (opts.maxFailures !== undefined && !budget) {
    throw new UsageError(`--max-failures must be a count (2), a percentage (10%) or "unlimited", got ${JSON.stringify(opts.maxFailures)}`);
  }
  const only = opts.only?.split(",").map((s) => s.trim()).filter(Boolean);
  const inputs = await loadWave({ dir: opts.dir, plan: opts.plan, wave, ...(only ? { only } : {}), env: process.env });

  if (opts.dryRun) {
    const { dryRunWave } = await import("./run-dry.js");
    return dryRunWave(inputs, { json: Boolean(opts.json), acceptNew: Boolean(opts.acceptNew), projectDir: resolve(opts.dir) });
  }

  const stateDir = stateDirOf(opts);
  const operator = operatorName();
  // One run of a wave at a time on this machine: a second operator is told who holds it.
  const waveLock = await acquireRunLock(stateDir, `wave-${inputs.plan.hash.slice(7, 23)}-${wave}`, { owner: operator });
  try {
    // Under the wave lock, so no other run of this wave can start between the check and ours.
    await refuseHeldApplications(stateDir, inputs.plan.hash, wave, inputs.apps.map((a) => a.app.id), stateFlagFor(opts));
    const runId = newRunId();
    const journal = await openJournal<RunEvent>(stateDir, runId, { mode: "create", owner: operator });
    if (!opts.json) process.stderr.write(`run ${runId}: wave ${wave}, ${inputs.apps.length} application(s); journal ${journal.path}\n`);
    const outcome = await withRunSession(
      {
        journal,
        stateDir,
        projectDir: resolve(opts.dir),
        estate: inputs.project.estate,
        apps: inputs.apps,
        json: Boolean(opts.json),
        verbose: Boolean(opts.verbose),
        acceptNew: Boolean(opts.acceptNew),
        ...(concurrency !== undefined ? { concurrency } : {}),
        ...(perSite !== undefined ? { perSite } : {}),
        ...(perHost !== undefined ? { perHost } : {}),
        ...(budget ? { budget } : {}),
      },
      (engine) =>
        startRun(engine, {
          runId,
          operator,
          apps: inputs.apps,
          runbooks: inputs.runbooks,
          planFile: opts.plan,
          planHash: inputs.plan.hash,
          // The digest of what this run depends on (estate, stacks, its runbooks; the plan's own
          // inputsDigest covers every runbook of the plan): resume compares against it.
          inputsDigest: currentInputsDigest(inputs.project, Object.keys(inputs.runbooks)),
          wave,
          ...(inputs.approval ? { approval: inputs.approval } : {}),
        }),
    );
    const text = nextSteps(outcome, stateFlagFor(opts));
    (opts.json ? process.stderr : process.stdout).write(text);
    return outcome.exitCode;
  } finally {
    await waveLock.release();
  }
}
