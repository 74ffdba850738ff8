/** `ferry approve --plan F --wave N --by PRINCIPAL --ref CHG… [--key FILE] [--org ORG]`: record a (signed) change-board approval of one wave. */
import { approveWave } from "../runs/approval.js";
import { runsContext, waveNumber } from "./common/flags.js";

export interface ApproveFlags {
  plan: string;
  wave: string;
  by: string;
  ref: string;
  /** Private key to sign with; without it, the ssh-agent's key listed for --by. */
  key?: string;
  /** The organisation approving, where the wave involves several. */
  org?: string;
  /** Project directory: inputs for the drift check, and where approvals/ lives. @default "." */
  dir: string;
  force?: boolean;
  json?: boolean;
}

/** `ferry approve`. */
export async function approveCommand(flags: ApproveFlags): Promise<number> {
  const wave = waveNumber(flags.wave);
  const { file, approval } = await approveWave(runsContext(flags), {
    plan: flags.plan,
    wave,
    by: flags.by,
    ref: flags.ref,
    force: flags.force,
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    ...(flags.org !== undefined ? { organisation: flags.org } : {}),
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ok: true, file, approval }) + "\n");
    return 0;
  }
  const org = approval.organisation ? ` for ${approval.organisation}` : "";
  const signed = approval.signature ? `, signed with ${approval.signature.key}` : " (unsigned)";
  process.stdout.write(`approved wave ${approval.wave} of plan ${approval.plan}${org} by ${approval.approvedBy} (${approval.changeRef})${signed}\nwrote ${file}\n`);
  return 0;
}
