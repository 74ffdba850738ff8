import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { EvidenceFlags } from "../evidence.js";

/** `ferry evidence RUN --out F`: the signed evidence bundle of a finished run. */
export function registerEvidence(program: Command): void {
  program
    .command("evidence")
    .description("Write a finished run's evidence bundle (tar.gz): plan, signed approvals, allowed_signers, dry run, journal, log, runbooks, and a manifest signed with your key")
    .argument("<run>", "run id")
    .requiredOption("--out <file>", "the archive to write, e.g. evidence/20270112-190003-3fa9c2.tar.gz")
    .option("--key <file>", "private SSH key to sign the manifest with (default: the ssh-agent's key listed for --by)")
    .option("--by <principal>", "your principal in approvals/allowed_signers (default: FERRY_OPERATOR or your login name)")
    .option("--plan <file>", "the plan file the run used, where it is no longer at the path the run recorded")
    .option("--json", "print { ok, out, manifest } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Refused (nothing written) when the run has not finished, when its journal does not end at the
head heads.ndjson recorded, or when the plan or a runbook on disk is not the one the run used.
Check a bundle with \`ferry verify F\`.

Example:
  ferry evidence 20270112-190003-3fa9c2 --out evidence/wave-1.tar.gz --by k.patel@westnorthants --key ~/.ssh/id_ed25519`,
    )
    .action(
      command(
        async (run: string, flags: EvidenceFlags) => {
          const { evidenceCommand } = await import("../evidence.js");
          return evidenceCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
