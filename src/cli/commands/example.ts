import type { Command } from "commander";
import { command } from "../shared/exit.js";

export function registerExample(program: Command): void {
  program
    .command("example")
    .description("Write a synthetic, valid estate of N applications (with the runbooks) for trying ferry at scale")
    .requiredOption("--apps <n>", "number of applications", (v) => Number.parseInt(v, 10))
    .option("--seed <s>", "seed: the same seed and size give identical files", (v) => Number.parseInt(v, 10), 1)
    .requiredOption("--out <dir>", "directory to write estate/ and runbooks/ into")
    .option("--force", "replace the estate/ and runbooks/ folders a previous run wrote there")
    .addHelpText("after", `\nExample:\n  ferry example --apps 10000 --seed 7 --out /tmp/big && ferry plan --dir /tmp/big`)
    .action(
      command(async (opts: { apps: number; seed: number; out: string; force?: boolean }) => {
        const { exampleCommand } = await import("../example.js");
        return exampleCommand(opts);
      }),
    );
}
