/**
 * Remove a run that never started: its journal exists but holds no record (ferry stopped
 * between creating the file and writing `run.started`), so nothing ran and nothing is lost.
 * A run with any record is never discarded: its journal is the only account of what changed.
 */
import { FerryError } from "../model/codes.js";
import { takeStartLock } from "./start.js";
import { stateOf, type RunsContext } from "./context.js";

/** Delete run `runId`'s folder if its journal is empty; refuse otherwise. */
export async function discardRun(ctx: Pick<RunsContext, "stateDir" | "state" | "operator">, runId: string): Promise<void> {
  const state = stateOf(ctx);
  // Under the start lock: a run in the instant between creating its journal and writing its
  // first record holds it, so its empty journal is never taken for an abandoned one.
  const lock = await takeStartLock(ctx);
  try {
    const { records } = await state.readRun(runId);
    if (records.length > 0) {
      throw new FerryError("usage", `run ${runId} has ${records.length} journal record(s): it started, so it cannot be discarded`, `\`ferry status ${runId}\` shows it; resume or roll it back instead.`);
    }
    await state.removeEmptyRun(runId);
  } finally {
    await lock.release();
  }
}
