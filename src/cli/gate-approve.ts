/**
 * `ferry gate approve RUN --app A --step S --by PRINCIPAL [--key FILE]`: release an approval
 * gate of a stopped run (signed and journalled), then tell the operator to resume it.
 */
import { approveRunGate } from "../runs/gate.js";
import { runsContext, stateFlagFor, type StateFlags } from "./common/flags.js";

export interface GateApproveFlags extends StateFlags {
  app: string;
  step: string;
  by: string;
  /** Private key to sign with; without it, the ssh-agent's key listed for --by. */
  key?: string;
  json?: boolean;
}

/** `ferry gate approve`. */
export async function gateApproveCommand(runId: string, flags: GateApproveFlags): Promise<number> {
  const by = flags.by.trim();
  const { key } = await approveRunGate(runsContext(flags), runId, { app: flags.app, step: flags.step, by, ...(flags.key !== undefined ? { key: flags.key } : {}) });
  if (flags.json) process.stdout.write(JSON.stringify({ ok: true, run: runId, app: flags.app, step: flags.step, approvedBy: by, ...(key ? { key } : {}) }) + "\n");
  else process.stdout.write(`gate ${flags.step} of ${flags.app} approved by ${by}${key ? `, signed with ${key}` : ""} (journalled)\ncontinue the run with: ferry resume ${runId}${stateFlagFor(flags)}\n`);
  return 0;
}
