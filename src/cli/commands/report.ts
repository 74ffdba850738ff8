import type { Command } from "commander";
import { command } from "../shared/exit.js";

/** `ferry report`: write the change-board pack for a plan. */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description("Write the change-board pack for a plan: cab-pack.html, cab-pack.md, waves.csv")
    .requiredOption("--plan <file>", "plan file written by `ferry plan`")
    .option("--out <dir>", "folder for the pack (default: <dir>/reports)")
    .option("--dir <dir>", "project directory, for dependencies, rollback plans and the drift check", ".")
    .option("--json", "print { ok, files } as JSON")
    .addHelpText(
      "after",
      `
cab-pack.html is one self-contained file (no scripts, fonts or images): open it offline or print
it (one wave per page, the plan hash on every page). cab-pack.md has the same content with
Mermaid diagrams for GitHub or Azure DevOps; waves.csv is for spreadsheets.
A plan whose hash does not verify is refused; inputs changed since planning are flagged in the pack.

Examples:
  ferry report --plan plans/plan.json
  ferry report --plan plans/q1.json --out reports/q1`,
    )
    .action(
      command(
        async (opts: { plan: string; out?: string; dir: string; json?: boolean }) => {
          const { reportCommand } = await import("../report.js");
          return reportCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
