import type { Command } from "commander";
import { command } from "../common/exit.js";
import type { ApproveFlags } from "../approve.js";

/** `ferry approve`: record a change-board approval of one wave. */
export function registerApprove(program: Command): void {
  program
    .command("approve")
    .description("Record a change-board approval of one wave of a plan, signed with your SSH key (approvals/<hash>-wave-<n>[-<org>].yaml)")
    .requiredOption("--plan <file>", "the plan the board reviewed")
    .requiredOption("--wave <n>", "wave number")
    .requiredOption("--by <principal>", "who approves: your principal in approvals/allowed_signers")
    .requiredOption("--ref <ref>", "change reference, e.g. CHG0012345")
    .option("--key <file>", "private SSH key to sign with (default: the ssh-agent's key listed for --by)")
    .option("--org <organisation>", "the organisation you approve for, where the wave involves several")
    .option("--dir <dir>", "project directory: inputs for the drift check; approvals/ is written here", ".")
    .option("--force", "replace an existing approval of the same plan and wave")
    .option("--json", "print { ok, file, approval } as JSON")
    .addHelpText(
      "after",
      `
The approval names the plan by its hash, so it covers exactly the plan the board saw. It is
refused when the plan was edited after \`ferry plan\` wrote it (hash mismatch), when the estate,
a stack config or a used runbook changed since (drift), or when the plan has no such wave.
The approval is signed with your SSH key (OpenSSH SSHSIG, namespace ferry-approval) and checked
against approvals/allowed_signers before it is written; where change control sets
requireSignedApprovals an unsigned approval is refused. A wave whose applications involve several
organisations needs each one's approval (--org). Commit approvals/ with the plan.

Examples:
  ferry approve --plan plans/q1.json --wave 1 --by j.smith@westnorthants --ref CHG0012345 --key ~/.ssh/id_ed25519
  ferry approve --plan plans/q1.json --wave 3 --org nnc --by a.jones@northnorthants --ref CHG0012399   # key from ssh-agent`,
    )
    .action(
      command(
        async (flags: ApproveFlags) => {
          const { approveCommand } = await import("../approve.js");
          return approveCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
