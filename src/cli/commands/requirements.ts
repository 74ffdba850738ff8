import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR } from "../common/options.js";
import type { RequirementsFlags } from "../requirements.js";

/** `ferry requirements`: what the operator must provide for the runbooks, or for one wave. */
export function registerRequirements(program: Command): void {
  program
    .command("requirements")
    .description("List the environment variables and tools the runbooks (or one wave) need from this machine, and which are missing")
    .option("--plan <file>", "only the runbooks of one wave of this plan (with --wave)")
    .option("--wave <n>", "the wave")
    .option("--json", "print { ok, requirements } as JSON")
    .option(...DIR)
    .addHelpText(
      "after",
      `
Runbooks declare what they need under \`requires: { env: [...], tools: [...] }\`; \`ferry validate\`
holds every {{ env.X }} to that list, and \`ferry run\` names everything missing at once before
anything connects. Values are never printed, only names.

Examples:
  ferry requirements
  ferry requirements --plan plans/q1.json --wave 1`,
    )
    .action(
      command(
        async (flags: RequirementsFlags) => {
          const { requirementsCommand } = await import("../requirements.js");
          return requirementsCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
