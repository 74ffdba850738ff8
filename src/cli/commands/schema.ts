import type { Command } from "commander";
import { command } from "../common/exit.js";

export function registerSchema(program: Command): void {
  program
    .command("schema")
    .description("Write JSON Schema for every document kind, for editor validation and completion")
    .option("--out <dir>", "output directory", "schemas")
    .addHelpText(
      "after",
      `
Writes estate, runbook, stack, plan and approval schemas. Point an editor at them with a first line:
  # yaml-language-server: $schema=../schemas/estate.schema.json`,
    )
    .action(
      command(async (opts: { out: string }) => {
        const { schemaCommand } = await import("../schema.js");
        return schemaCommand(opts.out);
      }),
    );
}
