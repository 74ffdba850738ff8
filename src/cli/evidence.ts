/** `ferry evidence RUN --out F [--key FILE] [--by PRINCIPAL] [--plan F]`: write a finished run's signed evidence bundle. */
import { writeEvidence } from "../runs/evidence.js";
import { runsContext, type StateFlags } from "./common/flags.js";

export interface EvidenceFlags extends StateFlags {
  out: string;
  /** Private key to sign the manifest with; without it, the ssh-agent's key listed for --by. */
  key?: string;
  /** The principal signing. @default the operator (FERRY_OPERATOR or the login name) */
  by?: string;
  /** The plan file the run used, where it moved since. */
  plan?: string;
  json?: boolean;
}

/** `ferry evidence`. */
export async function evidenceCommand(runId: string, flags: EvidenceFlags): Promise<number> {
  const { out, manifest } = await writeEvidence(runsContext(flags), {
    run: runId,
    out: flags.out,
    ...(flags.key !== undefined ? { key: flags.key } : {}),
    ...(flags.by !== undefined ? { by: flags.by } : {}),
    ...(flags.plan !== undefined ? { plan: flags.plan } : {}),
  });
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ok: true, out, manifest }) + "\n");
    return 0;
  }
  process.stdout.write(`evidence of run ${manifest.run} (wave ${manifest.wave} of ${manifest.plan})\n`);
  for (const f of manifest.files) process.stdout.write(`  ${f.kind.padEnd(16)} ${f.path}\n`);
  process.stdout.write(`journal head ${manifest.journal.head}; manifest signed by ${manifest.signedBy}\nwrote ${out}\ncheck it with: ferry verify ${out}\n`);
  return 0;
}
