/** `ferry resume RUN [--step-done|--step-failed|--step-retry S] [--retry-failed] [--app A]`: continue a stopped run. */
import { UsageError } from "../model/diagnostics.js";
import { resumeRunById, type Settlement } from "../runs/continue.js";
import { runsContext, stateFlagFor, type StateFlags } from "./common/flags.js";
import { finishRun, withTerminal, type OutputFlags } from "./common/run-output.js";
import { forecastOutput } from "./common/forecast-output.js";

export interface ResumeFlags extends StateFlags, OutputFlags {
  stepDone?: string;
  stepFailed?: string;
  /** The step did not take effect and may run again. */
  stepRetry?: string;
  app?: string;
  acceptChanges?: boolean;
  expectHead?: string;
  retryFailed?: boolean;
}

/** The one verdict the flags give on a step in doubt, if any. */
function settlementOf(flags: ResumeFlags): Settlement | undefined {
  const given = (
    [
      ["done", flags.stepDone],
      ["failed", flags.stepFailed],
      ["not-done", flags.stepRetry],
    ] as const
  ).filter(([, step]) => step !== undefined);
  if (given.length > 1) throw new UsageError("give only one of --step-done, --step-failed and --step-retry");
  const [verdict] = given;
  return verdict && { outcome: verdict[0], step: verdict[1]!, app: flags.app };
}

/** `ferry resume`. Returns the run's exit code. */
export async function resumeCommand(runId: string, flags: ResumeFlags): Promise<number> {
  const settle = settlementOf(flags);
  const ctx = runsContext(flags);
  const outcome = await withTerminal(flags, (exec, screen) =>
    resumeRunById(ctx, runId, { ...exec, settle, acceptChanges: flags.acceptChanges, expectHead: flags.expectHead, retryFailed: flags.retryFailed, app: flags.app, forecast: forecastOutput(Boolean(flags.json), screen) }),
  );
  return finishRun(outcome, flags, stateFlagFor(flags));
}
