/** `ferry rollback RUN`: undo what a finished run completed, latest application first. */
import { rollbackRunById } from "../runs/continue.js";
import { runsContext, stateFlagFor, type StateFlags } from "./shared/flags.js";
import { finishRun, withTerminal, type OutputFlags } from "./shared/run-output.js";

export interface RollbackFlags extends StateFlags, OutputFlags {
  acceptChanges?: boolean;
}

/** `ferry rollback`. Returns the exit code: 0 when every completed application was rolled back. */
export async function rollbackCommand(runId: string, flags: RollbackFlags): Promise<number> {
  const ctx = runsContext(flags);
  const outcome = await withTerminal(flags, (exec) => rollbackRunById(ctx, runId, { ...exec, acceptChanges: flags.acceptChanges }));
  return finishRun(outcome, flags, stateFlagFor(flags));
}
