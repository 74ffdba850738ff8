import type { Command } from "commander";
import { command } from "../shared/exit.js";

/** `ferry plan`: turn the estate into change-board waves. */
export function registerPlan(program: Command): void {
  program
    .command("plan")
    .description("Plan migration waves from the estate: groups, order, capacity, calendar, deadlines")
    .option("--dir <dir>", "project directory (estate/, runbooks/, stacks/)", ".")
    .option("--out <file>", "plan file to write (default: <dir>/plans/plan.json)")
    .option("--stack <env>", "stack whose target address plan reip-required checks (default: prod, else the only stack)")
    .option("--json", "print the plan on stdout (summary on stderr); writes a file only with --out")
    .addHelpText(
      "after",
      `
The plan is deterministic: the same inputs give the same bytes, so plans diff cleanly in git.
Its "hash" is the SHA-256 of its RFC 8785 canonical JSON; its "inputsDigest" pins the estate,
the stack configs and the runbooks it uses, so \`ferry approve\` and \`ferry run\` refuse a plan
that was edited or whose inputs changed. Applications that cannot be placed are listed under
"unplaced" with the reason; that still exits 0. Invalid input exits 2.
Planning rules and the placement priority: docs/planning.md.

Examples:
  ferry plan
  ferry plan --out plans/q1.json --stack prod
  ferry plan --json | jq '.waves[] | {number, date, apps: (.applications | length)}'`,
    )
    .action(
      command(
        async (opts: { dir: string; out?: string; stack?: string; json?: boolean }) => {
          const { planCommand } = await import("../plan.js");
          return planCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
