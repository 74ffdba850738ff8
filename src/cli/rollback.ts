/** `ferry rollback RUN [--app A]`: undo what a run did, whatever state it stopped in, latest application first. */
import { rollbackRunById } from "../runs/continue.js";
import { runsContext, stateFlagFor, type StateFlags } from "./common/flags.js";
import { finishRun, withTerminal, type OutputFlags } from "./common/run-output.js";

export interface RollbackFlags extends StateFlags, OutputFlags {
  acceptChanges?: boolean;
  app?: string;
}

/** `ferry rollback`. Returns the exit code: 0 when every application it was to undo was rolled back. */
export async function rollbackCommand(runId: string, flags: RollbackFlags): Promise<number> {
  const ctx = runsContext(flags);
  const outcome = await withTerminal(flags, (exec) => rollbackRunById(ctx, runId, { ...exec, acceptChanges: flags.acceptChanges, ...(flags.app !== undefined ? { only: flags.app } : {}) }));
  return finishRun(outcome, flags, stateFlagFor(flags));
}
