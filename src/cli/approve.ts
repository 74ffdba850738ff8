/** `ferry approve --plan F --wave N --by NAME --ref CHG…`: record a change-board approval of one wave. */
import { approveWave } from "../runs/approval.js";
import { runsContext, waveNumber } from "./shared/flags.js";

export interface ApproveFlags {
  plan: string;
  wave: string;
  by: string;
  ref: string;
  /** Project directory: inputs for the drift check, and where approvals/ lives. @default "." */
  dir: string;
  force?: boolean;
  json?: boolean;
}

/** `ferry approve`. */
export async function approveCommand(flags: ApproveFlags): Promise<number> {
  const wave = waveNumber(flags.wave);
  const { file, approval } = await approveWave(runsContext(flags), { plan: flags.plan, wave, by: flags.by, ref: flags.ref, force: flags.force });
  if (flags.json) process.stdout.write(JSON.stringify({ ok: true, file, approval }) + "\n");
  else process.stdout.write(`approved wave ${approval.wave} of plan ${approval.plan} by ${approval.approvedBy} (${approval.changeRef})\nwrote ${file}\n`);
  return 0;
}
