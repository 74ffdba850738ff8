import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";

/** `ferry discard RUN`: remove a run that never started. */
export function registerDiscard(program: Command): void {
  program
    .command("discard")
    .description("Remove a run whose journal is empty (ferry stopped before the run's first record; nothing ran)")
    .argument("<run>", "run id (`ferry status` lists an empty one as UNREADABLE [journal-empty])")
    .option("--json", "print { ok, run, discarded } as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText("after", `\nA run with any journal record is refused: resume it or roll it back.\n\nExample:\n  ferry discard 20270112-190003-3fa9c2`)
    .action(
      command(
        async (run: string, flags: { json?: boolean; dir: string; state?: string }) => {
          const { discardCommand } = await import("../discard.js");
          return discardCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
