import type { Command } from "commander";
import { command } from "../exit.js";

/** `npm start`: the main job on the bundled example. */
export function registerStart(program: Command): void {
  program
    .command("start", { hidden: true })
    .description("Validate the bundled example, plan it to plans/example.json and write the change-board pack to reports/ (what `npm start` runs)")
    .option("--dir <dir>", "project directory holding estate/, runbooks/ and stacks/", ".")
    .action(
      command(async (opts: { dir: string }) => {
        const { runStart } = await import("../start-run.js");
        await runStart({ dir: opts.dir });
        return 0;
      }),
    );
}
