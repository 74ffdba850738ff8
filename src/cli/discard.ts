/** `ferry discard RUN`: remove a run whose journal is empty (it never started). */
import { discardRun } from "../runs/discard.js";
import { runsContext, type StateFlags } from "./common/flags.js";

export async function discardCommand(runId: string, flags: StateFlags & { json?: boolean }): Promise<number> {
  await discardRun(runsContext(flags), runId);
  process.stdout.write(flags.json ? JSON.stringify({ ok: true, run: runId, discarded: true }) + "\n" : `discarded run ${runId}: its journal was empty, nothing had run\n`);
  return 0;
}
