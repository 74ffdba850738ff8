import type { Command } from "commander";
import { command } from "../shared/exit.js";
import type { ApproveFlags } from "../approve.js";

/** `ferry approve`: record a change-board approval of one wave. */
export function registerApprove(program: Command): void {
  program
    .command("approve")
    .description("Record a change-board approval of one wave of a plan (approvals/<hash>-wave-<n>.yaml)")
    .requiredOption("--plan <file>", "the plan the board reviewed")
    .requiredOption("--wave <n>", "wave number")
    .requiredOption("--by <name>", "who approved it")
    .requiredOption("--ref <ref>", "change reference, e.g. CHG0012345")
    .option("--dir <dir>", "project directory: inputs for the drift check; approvals/ is written here", ".")
    .option("--force", "replace an existing approval of the same plan and wave")
    .option("--json", "print { ok, file, approval } as JSON")
    .addHelpText(
      "after",
      `
The approval names the plan by its hash, so it covers exactly the plan the board saw. It is
refused when the plan was edited after \`ferry plan\` wrote it (hash mismatch), when the estate,
a stack config or a used runbook changed since (drift), or when the plan has no such wave.
Commit approvals/ with the plan; \`ferry run\` checks them where change control requires it.

Example:
  ferry approve --plan plans/q1.json --wave 1 --by "J Smith" --ref CHG0012345`,
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
