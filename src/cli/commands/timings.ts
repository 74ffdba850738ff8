import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE } from "../common/options.js";
import type { TimingsFlags } from "../timings.js";

/** `ferry timings`: what runbook steps actually took, from every run's journal. */
export function registerTimings(program: Command): void {
  program
    .command("timings")
    .description("What each runbook step actually took in rehearsals and real runs (count, median, P90), and its drift from the estimate")
    .option("--runbook <name>", "only this runbook")
    .option("--json", "print the figures as JSON")
    .option(...STATE)
    .option(...DIR)
    .addHelpText(
      "after",
      `
Durations are read from every journal in the state directory: a step from its first start to
its success (retries included), a precheck or verify gate from the end of what came before it in
its application, a rollback from its start to its success. Nothing that spans a resume counts
(that gap is a person's or a crash's), nor a step settled by an operator, nor anything that failed.

Rehearsals (\`ferry run --rehearsal\`) and real runs are counted separately and together. Once a
step has 3 or more measured executions, \`ferry plan\` uses their median and P90 in place of the
runbook's estimate (an application's own estimate, or one per GB of its data, still wins): the
"plan" column says which steps that is. Drift is the median of actual ÷ estimate, minus one:
+25% means a quarter longer than the estimate said. A journal that cannot be read is listed,
and the others are measured all the same.

Examples:
  ferry timings
  ferry timings --runbook rehost-vm
  ferry timings --json | jq '.steps[] | select(.drift > 0.5)'`,
    )
    .action(
      command(
        async (flags: TimingsFlags) => {
          const { timingsCommand } = await import("../timings.js");
          return timingsCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
