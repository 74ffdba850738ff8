import type { Command } from "commander";
import { command } from "../shared/exit.js";
import { ACCEPT_NEW, DIR, EVENTS, STATE, VERBOSE } from "../shared/flags.js";
import type { RollbackFlags } from "../rollback.js";

/** `ferry rollback RUN`: undo what a finished run completed. */
export function registerRollback(program: Command): void {
  program
    .command("rollback")
    .description("Undo the applications a finished run completed, latest first, through their steps' rollbacks")
    .argument("<run>", "run id")
    .option("--accept-changes", "roll back although a runbook changed since the run started")
    .option(...ACCEPT_NEW)
    .option(...EVENTS)
    .option(...VERBOSE)
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nExit 0 when every completed application was rolled back; 3 when a rollback failed (the\nmessage lists what a person must finish); 130 interrupted (ferry resume RUN continues it).`)
    .action(
      command(
        async (run: string, flags: RollbackFlags) => {
          const { rollbackCommand } = await import("../rollback.js");
          return rollbackCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
