import type { Command } from "commander";
import { command } from "../common/exit.js";
import { RUN_EXITS, withRunFlags } from "../common/options.js";
import type { ResumeFlags } from "../resume.js";

/** `ferry resume RUN`: continue a stopped run from its journal. */
export function registerResume(program: Command): void {
  const cmd = program
    .command("resume")
    .description("Continue a stopped run from its journal (after a crash, Ctrl-C, an approval gate or an uncertain step)")
    .argument("<run>", "run id (`ferry status` lists them)")
    .option("--step-done <step>", "the uncertain step took effect (or you finished its failed rollback by hand)")
    .option("--step-failed <step>", "the uncertain step failed: roll the application back")
    .option("--step-retry <step>", "the uncertain step did not take effect: run it again")
    .option("--retry-failed", "run the failed step (or health gate) of applications paused where they failed (--on-failure pause) again, once you fixed the cause")
    .option("--app <app>", "the application of --step-* (when the step id is in doubt in several) or of --retry-failed (only it)")
    .option("--expect-head <seq:sum>", "refuse unless the journal still reaches this head (as `ferry status RUN` printed it)")
    .option("--accept-changes", "continue although a runbook, the estate or a stack changed since the run started (journalled)");
  // The flags run, resume and rollback share come after the command's own in --help.
  withRunFlags(cmd)
    .addHelpText(
      "after",
      `
Resume rebuilds the run from its journal alone. A step that was running when ferry stopped
runs again only if it is idempotent, or if its \`check\` probe says it did not take effect;
otherwise it is uncertain and the run stops (exit 4) saying what to inspect. Settle it with
--step-done, --step-failed or --step-retry (journalled with your name), and the run goes on.
No step without those markers ever runs twice. An application paused where it failed (ferry run
--on-failure pause) runs its failed step again only with --retry-failed (every paused
application, or the one --app names), with its retry policy afresh; \`ferry rollback RUN --app A\`
undoes it instead. A journal cut back below a head kept outside
it (--expect-head, or .ferry/heads.ndjson for finished runs) is refused.
${RUN_EXITS}

Examples:
  ferry resume 20270112-190003-3fa9c2
  ferry resume 20270112-190003-3fa9c2 --app revs-nbc --step-done cutover-dns
  ferry resume 20270112-190003-3fa9c2 --retry-failed --app revs-nbc`,
    )
    .action(
      command(
        async (run: string, flags: ResumeFlags) => {
          const { resumeCommand } = await import("../resume.js");
          return resumeCommand(run, flags);
        },
        { json: ([, o]) => Boolean(o.json) },
      ),
    );
}
