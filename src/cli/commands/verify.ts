import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { VerifyFlags } from "../verify.js";

/** `ferry verify F`: check an evidence bundle. */
export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("Check an evidence bundle: every hash, the journal's chain and head, every signature, and that the run executed exactly the approved plan and wave")
    .argument("<file>", "the bundle `ferry evidence` wrote")
    .option("--allowed-signers <file>", "the allowed_signers you trust (default: the project's approvals/allowed_signers, else the bundle's own)")
    .option("--json", "print { ok, checks } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nEvery check is reported. Exit codes: 0 every check passed, 1 a check failed, 2 usage.\n\nExample:\n  ferry verify evidence/wave-1.tar.gz --allowed-signers audit/allowed_signers`)
    .action(
      command(
        async (file: string, flags: VerifyFlags) => {
          const { verifyCommand } = await import("../verify.js");
          return verifyCommand(file, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
