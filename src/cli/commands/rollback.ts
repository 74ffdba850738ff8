import type { Command } from "commander";
import { command } from "../common/exit.js";
import { withRunFlags } from "../common/options.js";
import type { RollbackFlags } from "../rollback.js";

/** `ferry rollback RUN`: undo what a run did, in whatever state it stopped. */
export function registerRollback(program: Command): void {
  const cmd = program
    .command("rollback")
    .description("Undo a run that is not going on (finished, failed, paused or interrupted): every application's completed steps, latest first, in reverse order")
    .argument("<run>", "run id")
    .option("--app <app>", "undo only this application (e.g. one paused where it failed)")
    .option("--accept-changes", "roll back although a runbook changed since the run started");
  // The flags run, resume and rollback share come after the command's own in --help.
  withRunFlags(cmd)
    .addHelpText(
      "after",
      `
A run no process works on any more can be rolled back whatever state it stopped in: finished,
failed, paused (--on-failure pause) or interrupted (Ctrl-C, a crash); a live run is refused
(run-locked). Applications are undone one at a time, the one that finished last (or never
finished) first, each through its completed steps' rollbacks in reverse order. A step a stopped
ferry left running is settled first, as resume settles it: its process group is waited for
(until its timeout) or killed, then its check probe says whether it took effect; one that cannot
be settled leaves its application uncertain, listed for a person. Applications that never
started are marked skipped.

Exit 0 when every application it was to undo was rolled back (with --app, 4 when others of the
run are still paused, waiting or uncertain); 3 when a rollback failed (the message lists what a
person must finish); 4 when a step is uncertain; 130 interrupted (ferry resume RUN, or ferry
rollback RUN again, continues it).

Examples:
  ferry rollback 20270112-190003-3fa9c2
  ferry rollback 20270112-190003-3fa9c2 --app revs-nbc`,
    )
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
