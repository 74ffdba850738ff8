/**
 * `ferry gate approve RUN --app A --step S --by NAME`: release an approval gate of a stopped
 * run (journalled), then tell the operator to resume it.
 */
import { approveRunGate } from "../runs/gate.js";
import { runsContext, stateFlagFor, type StateFlags } from "./shared/flags.js";

export interface GateApproveFlags extends StateFlags {
  app: string;
  step: string;
  by: string;
  json?: boolean;
}

/** `ferry gate approve`. */
export async function gateApproveCommand(runId: string, flags: GateApproveFlags): Promise<number> {
  const by = flags.by.trim();
  await approveRunGate(runsContext(flags), runId, { app: flags.app, step: flags.step, by });
  if (flags.json) process.stdout.write(JSON.stringify({ ok: true, run: runId, app: flags.app, step: flags.step, approvedBy: by }) + "\n");
  else process.stdout.write(`gate ${flags.step} of ${flags.app} approved by ${by} (journalled)\ncontinue the run with: ferry resume ${runId}${stateFlagFor(flags)}\n`);
  return 0;
}
