import type { Command } from "commander";
import { command } from "../common/exit.js";

/** `ferry plan`: turn the estate into change-board waves. */
export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("Plan migration waves from the estate: groups, order, capacity, calendar, deadlines")
    .option("--dir <dir>", "project directory (estate/, runbooks/, stacks/)", ".")
    .option("--out <file>", "plan file to write (default: <dir>/plans/plan.json)")
    .option("--stack <env>", "stack whose target address plan reip-required checks (default: prod, else the only stack)")
    .option("--json", "print the plan on stdout (summary on stderr); writes a file only with --out")
    .option("--keep <file>", "keep every wave of this earlier plan that was approved or run, and plan the rest around them (default: calendar.keep)")
    .option("--state <dir>", "state directory whose runs count as run waves for --keep, and whose journals time the steps (default: <dir>/.ferry)")
    .addHelpText(
      "after",
      `
The plan is deterministic: the same inputs give the same bytes, so plans diff cleanly in git.
Its "hash" is the SHA-256 of its RFC 8785 canonical JSON; its "inputsDigest" pins the estate,
the stack configs and the runbooks it uses, so \`ferry approve\` and \`ferry run\` refuse a plan
that was edited or whose inputs changed. Applications that cannot be placed are listed under
"unplaced" with the reason; that still exits 0. Invalid input exits 2.
With --keep (or calendar.keep in the estate), waves of the earlier plan that have an approval in
approvals/ or a run in the state directory are copied into the new plan as they were; the plan's
"moved" list says which other applications changed wave and why, and a kept wave that breaks a
rule now gets a kept-wave-conflict warning instead of being rearranged.
Window fit: each wave is simulated as \`ferry run\` would run it (the runbooks' estimates, the
limits of calendar.runLimits, default --concurrency 10) and gets a "timing" member: expected
duration at P50 and P90, whether it fits its window, the critical path and the rollback decision
point (the latest time to start rolling back so that it ends inside the window). A step measured
in at least 3 past runs (rehearsals and real, from the state directory's journals: see
\`ferry timings\`) is timed from those; the plan records the figures it used, so approving or
running it later re-plans with them. An application goes to a later wave rather than overrun a
window where the rules allow; a wave that still overruns gets a window-overrun warning.
Planning rules and the placement priority: docs/planning.md.

Examples:
  ferry plan
  ferry plan --out plans/q1.json --stack prod
  ferry plan --keep plans/q1.json --out plans/q2.json
  ferry plan --json | jq '.waves[] | {number, date, apps: (.applications | length)}'`,
    )
    .action(
      command(
        async (opts: { dir: string; out?: string; stack?: string; json?: boolean; keep?: string; state?: string }) => {
          const { planCommand } = await import("../plan.js");
          return planCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
