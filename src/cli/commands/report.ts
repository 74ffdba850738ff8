import { type Command, InvalidArgumentError } from "commander";
import { command } from "../common/exit.js";

function waveNumbers(value: string, previous: number[] = []): number[] {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("must be a wave number (1, 2, …)");
  return [...previous, n];
}

/** `ferry report`: write the change-board pack for a plan. */
export function registerReport(program: Command): void {
  program
    .command("report")
    .description("Write the change-board pack for a plan: cab-pack.html, cab-pack.md, waves.csv")
    .requiredOption("--plan <file>", "plan file written by `ferry plan`")
    .option("--out <dir>", "folder for the pack (default: <project>/reports)")
    .option("--dir <dir>", "the project the plan was made from (default: the project the plan file sits in, else .)")
    .option("--plan-only", "render from the plan alone, reading no project (no dependencies, rollbacks or approvals)")
    .option("--wave <n>", "only this wave (repeatable), every application in full; files get a -wave-N suffix", waveNumbers)
    .option("--summary", "summarise each wave even for a small plan")
    .option("--detail", "every application in words even above 2,000 applications (slow)")
    .option("--json", "print { ok, files } as JSON")
    .addHelpText(
      "after",
      `
cab-pack.html is one self-contained file (no scripts, fonts or images): open it offline or print it
(A4: a summary, then a page per wave, the plan hash on every page). It opens with the decisions the
board must take, then each wave: its window in the council's time zone, approval status and
sign-off, and per application what changes, outage, users, risk, go/no-go and rollback.
cab-pack.md has the same content with Mermaid diagrams; waves.csv has every application with its
warnings and risk. Above 2,000 applications each wave is summarised (--wave N gives one in full).
A plan whose hash does not verify is refused, and so is a project none of whose inputs match the
plan; inputs changed since planning are flagged in the pack.

Examples:
  ferry report --plan plans/plan.json
  ferry report --plan plans/q1.json --out reports/q1
  ferry report --plan plans/big.json --wave 3`,
    )
    .action(
      command(
        async (opts: { plan: string; out?: string; dir?: string; planOnly?: boolean; wave?: number[]; summary?: boolean; detail?: boolean; json?: boolean }) => {
          const { reportCommand } = await import("../report.js");
          return reportCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
