import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { LogsFlags } from "../logs.js";

/** `ferry logs RUN`: what a run did and what its steps printed. */
export function registerLogs(program: Command): void {
  program
    .command("logs")
    .description("Print a run's events and its steps' output (from <state>/runs/<run>/log.ndjson), secrets redacted")
    .argument("<run>", "run id (`ferry status` lists them)")
    .option("--app <app>", "only this application")
    .option("--step <step>", "only this step (its output, check, rollback and events)")
    .option("-f, --follow", "keep printing as the run goes on, until it stops (Ctrl-C to stop reading)")
    .option("--json", "one JSON object per line: at, app, step, output (stdout|stderr), level, text")
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Output lines are marked "| " (stdout) and "! " (stderr); warnings and failures "* ".

Examples:
  ferry logs 20270112-190003-3fa9c2 --app revs-nbc --step cutover-dns
  ferry logs 20270112-190003-3fa9c2 --follow`,
    )
    .action(
      command(
        async (run: string, flags: LogsFlags) => {
          const { logsCommand } = await import("../logs.js");
          return logsCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
