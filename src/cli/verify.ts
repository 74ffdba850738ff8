/** `ferry verify F [--allowed-signers FILE]`: check an evidence bundle, every check reported; exit 1 when any fails. */
import { verifyEvidence } from "../runs/evidence-verify.js";
import { CODES } from "../model/codes.js";
import { stateFor, type StateFlags } from "./common/flags.js";

export interface VerifyFlags extends StateFlags {
  /** The allowed_signers to trust. @default the project's approvals/allowed_signers, else the bundle's own */
  allowedSigners?: string;
  json?: boolean;
}

/** `ferry verify`. */
export async function verifyCommand(file: string, flags: VerifyFlags): Promise<number> {
  const r = await verifyEvidence({ file, dir: flags.dir, stateDir: stateFor(flags), env: process.env, ...(flags.allowedSigners ? { allowedSigners: flags.allowedSigners } : {}) });
  const exit = r.ok ? 0 : CODES["evidence-invalid"].exit;
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ok: r.ok, ...(r.run ? { run: r.run } : {}), checks: r.checks, ...(r.ok ? {} : { error: { code: "evidence-invalid" } }) }) + "\n");
    return exit;
  }
  for (const c of r.checks) process.stdout.write(`${c.ok ? "✓" : "✗"} ${c.check}: ${c.detail}\n`);
  const failed = r.checks.filter((c) => !c.ok).length;
  if (r.ok) process.stdout.write(`\n${file}: every check passed\n`);
  else process.stderr.write(`ferry: ${file}: ${failed} check(s) failed [evidence-invalid]\n`);
  return exit;
}
