import type { Command } from "commander";
import { command } from "../shared/exit.js";
import { DIR, STATE } from "../shared/flags.js";
import type { GateApproveFlags } from "../gate-approve.js";

/** `ferry gate approve RUN`: release an approval gate inside a run. */
export function registerGateApprove(program: Command): void {
  const gate = program.command("gate").description("Approval gates inside a run");
  gate
    .command("approve")
    .description("Release an approval gate of a run (journalled with your name), then `ferry resume RUN`")
    .argument("<run>", "run id")
    .requiredOption("--app <app>", "application waiting at the gate")
    .requiredOption("--step <step>", "the approval step")
    .requiredOption("--by <name>", "who approves (not the operator who started the run, unless the gate lists them)")
    .option("--json", "print { ok, … } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nExample:\n  ferry gate approve 20270112-190003-3fa9c2 --app revs-nbc --step cab-go --by "J Smith"`)
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
