import type { Command } from "commander";
import { command } from "../exit.js";

/** `npm start`: the main job on the bundled example. */
export function registerStart(program: Command): void {
  program
    .command("start", { hidden: true })
    .description("Validate the bundled example (what `npm start` runs)")
    .option("--dir <dir>", "project directory", ".")
    .action(
      command(async (opts: { dir: string }) => {
        const { runValidate } = await import("../validate-run.js");
        return runValidate({ dir: opts.dir });
      }),
    );
}
