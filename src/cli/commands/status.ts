import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { StatusFlags } from "../status.js";

/** `ferry status [RUN]`: runs, applications and steps as their journals tell them. */
export function registerStatus(program: Command): void {
  program
    .command("status")
    .description("Show a run (or every run) from its journal: run, application and step statuses")
    .argument("[run]", "run id; without it, every run in the state directory")
    .option("--json", "print the state as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Statuses: pending, running, succeeded, failed, rolled-back, rollback-failed, uncertain,
waiting, skipped, paused (stopped where it failed: --on-failure pause). Reads the journal without taking the run lock, so it works during a run.
Rehearsals (ferry run --rehearsal) are labelled REHEARSAL.

After a run has finished, \`ferry status RUN\` adds the post-implementation review: the wave's
planned duration and end against the actual ones, and each application's steps planned (P50,
P90, as the plan estimated them) against what they took (\`review\` in --json).

Examples:
  ferry status
  ferry status 20270112-190003-3fa9c2 --json | jq '.applications[] | {id, status}'`,
    )
    .action(
      command(
        async (run: string | undefined, flags: StatusFlags) => {
          const { statusCommand } = await import("../status.js");
          return statusCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
