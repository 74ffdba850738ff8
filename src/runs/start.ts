/**
 * Start a prepared wave under a new run id: refuse applications an earlier run still holds,
 * create the durable journal, and execute.
 *
 * Exclusion is per application, across plans and waves: checking the earlier runs and
 * journalling the new run's `run.started` (which lists its applications) happen under one
 * project-wide start lock, so of two runs that share an application (the same wave twice, or
 * two plans of the same inputs) the second always sees the first. The lock is held only for
 * that instant; the runs themselves go on side by side when they share nothing.
 */
import type { HeldLock } from "../state/index.js";
import { newRunId, startRun, type RunOutcome } from "../engine/run.js";
import type { EventListener } from "../engine/events.js";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import { windowOf, windowProblems } from "./window.js";
import { refuseHeldApplications } from "./history.js";
import { currentInputsDigest, type PreparedWave } from "./prepare.js";
import { withRunSession, type ExecuteOptions, type RunLimits } from "./session.js";
import { stateOf, type RunsContext } from "./context.js";

/** Longest delay a Node timer takes (about 24.8 days); a window closing later is not watched. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Take the start lock, waiting while another run is in the instant of starting (also used to discard a run that never started). */
export function takeStartLock(ctx: Pick<RunsContext, "stateDir" | "state" | "operator">): Promise<HeldLock> {
  return stateOf(ctx).takeStartLock(ctx.operator);
}

export interface StartWaveOptions extends ExecuteOptions {
  limits?: RunLimits;
  /** Run although the wave is outside its window, in a freeze or a blackout: why (journalled with the operator). */
  emergency?: string;
  /**
   * A rehearsal against a test environment (`ferry run --rehearsal`): no approval is needed and
   * the window, freezes and blackouts do not apply; journalled in `run.started`.
   */
  rehearsal?: boolean;
  /** Told once when the wave's window closes while the run still goes on. */
  onWindowClosed?: (info: { at: string; runId: string }) => void;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
  /** Told the new run's id and journal before the first step starts. */
  onStart?: (run: { runId: string; journal: string }) => void;
  /** Flags the operator must repeat in the commands ferry suggests (` --dir D --state S`). @default "" */
  commandFlags?: string;
}

/** Execute a wave that {@link prepareWave} checked. Returns the run's outcome (its exit code included). */
export async function startWave(ctx: RunsContext, prepared: PreparedWave, opts: StartWaveOptions = {}): Promise<RunOutcome> {
  const wave = prepared.wave.number;
  const now = (opts.now ?? (() => new Date()))();
  const rehearsal = opts.rehearsal === true;
  if (rehearsal && opts.emergency !== undefined) throw new UsageError("--emergency and --rehearsal do not go together: a rehearsal ignores the window, freezes and blackouts anyway");
  const outside = rehearsal ? [] : windowProblems(prepared.wave, prepared.project.estate.calendar, prepared.apps, now);
  const reason = opts.emergency?.trim();
  if (opts.emergency !== undefined && !reason) throw new UsageError("--emergency needs the reason, e.g. --emergency \"INC0123456: benefits down, restore service\"");
  if (outside.length > 0 && !reason) {
    throw new FerryError(
      "outside-window",
      `wave ${wave} may not run now: ${outside.map((p) => p.message).join("; ")}`,
      'Run it inside its approved window, or, in an emergency, give the reason with --emergency "REASON" (journalled with your name and shown by `ferry status`).',
    );
  }
  const startLock = await takeStartLock(ctx);
  let closing: NodeJS.Timeout | undefined;
  try {
    const state = stateOf(ctx);
    await refuseHeldApplications(state, wave, prepared.apps.map((a) => a.app.id), opts.commandFlags ?? "", new Map(prepared.apps.map((a) => [a.app.id, a.hosts])), { rehearsal });
    const runId = newRunId();
    const journal = await state.createRun(runId, { owner: ctx.operator });
    opts.onStart?.({ runId, journal: journal.location });
    // A run still going when its window closes is told once, loudly: the board approved the window.
    const closesIn = windowOf(prepared.wave).end - now.getTime();
    if (!rehearsal && closesIn > 0 && closesIn < MAX_TIMER_MS && opts.onWindowClosed) {
      const warn = opts.onWindowClosed;
      closing = setTimeout(() => warn({ at: prepared.wave.window.end, runId }), closesIn);
      closing.unref();
    }
    // Listeners hear an event only after the journal has it: from run.started on, every later
    // start sees this run's applications as held.
    const releaseOnStarted: EventListener = (event) => {
      if (event.type === "run.started") void startLock.release().catch(() => undefined);
    };
    return await withRunSession(
      { journal, state, projectDir: ctx.dir, estate: prepared.project.estate, apps: prepared.apps, limits: opts.limits },
      { ...opts, listeners: [releaseOnStarted, ...(opts.listeners ?? [])] },
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
          // A rehearsal does not run under the board's approval, even where one is on file.
          approval: rehearsal ? undefined : prepared.approval,
          rehearsal,
          emergency: reason ? { reason, by: ctx.operator, overrode: outside.map((p) => p.message) } : undefined,
        }),
    );
  } finally {
    clearTimeout(closing);
    await startLock.release();
  }
}
