import type { Command } from "commander";
import { command } from "../common/exit.js";

/** `npm start`: the main job on the bundled example. */
export function registerStart(program: Command): void {
  program
    .command("start", { hidden: true })
    .description("Validate the bundled example, plan it to plans/example.json and write the change-board pack to reports/ (what `npm start` runs)")
    .option("--dir <dir>", "project directory holding estate/, runbooks/ and stacks/", ".")
    .action(
      command(async (opts: { dir: string }) => {
        const { startCommand } = await import("../start.js");
        await startCommand({ dir: opts.dir });
        return 0;
      }),
    );
}
