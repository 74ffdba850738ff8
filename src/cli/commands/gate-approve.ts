import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { GateApproveFlags } from "../gate-approve.js";

/** `ferry gate approve RUN`: release an approval gate inside a run. */
export function registerGateApprove(program: Command): void {
  const gate = program.command("gate").description("Approval gates inside a run");
  gate
    .command("approve")
    .description("Release an approval gate of a run (signed with your key and journalled), then `ferry resume RUN`")
    .argument("<run>", "run id")
    .requiredOption("--app <app>", "application waiting at the gate")
    .requiredOption("--step <step>", "the approval step")
    .requiredOption("--by <principal>", "who approves: your principal in approvals/allowed_signers (never the key of the operator who started the run)")
    .option("--key <file>", "private SSH key to sign with (default: the ssh-agent's key listed for --by)")
    .option("--json", "print { ok, … } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nExample:\n  ferry gate approve 20270112-190003-3fa9c2 --app revs-nbc --step cab-go --by j.smith@westnorthants --key ~/.ssh/id_ed25519`)
    .action(
      command(
        async (run: string, flags: GateApproveFlags) => {
          const { gateApproveCommand } = await import("../gate-approve.js");
          return gateApproveCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
