import type { Command } from "commander";
import { command } from "../common/exit.js";
import type { ExampleFlags } from "../example.js";

export function registerExample(program: Command): void {
  program
    .command("example")
    .description("Write a project to try ferry on: a synthetic estate of N applications, or (--local) a small one that runs on this machine")
    .option("--apps <n>", "number of applications of a synthetic estate", (v) => Number.parseInt(v, 10))
    .option("--local", "a small project whose runbooks run on this machine (local steps, file probes): the README's walkthrough")
    .option("--fail <app>", "with --local: the application that fails on purpose (default planning-portal)")
    .option("--as-exports", "with --apps: write the estate as the exports `ferry import` reads (RVTools workbook, Azure Migrate dependencies, ServiceNow, Citrix, NetBox) under exports/, not as estate YAML")
    .option("--seed <s>", "seed: the same seed and size give identical files", (v) => Number.parseInt(v, 10), 1)
    .requiredOption("--out <dir>", "directory to write estate/ and runbooks/ into")
    .option("--force", "replace the estate/, runbooks/ and stacks/ (and with --as-exports, exports/) folders a previous run wrote there")
    .addHelpText("after", `\nExamples:\n  ferry example --local --out /tmp/ferry-try && cd /tmp/ferry-try && ferry validate\n  ferry example --apps 10000 --seed 7 --out /tmp/big && ferry plan --dir /tmp/big\n  ferry example --apps 500 --as-exports --out /tmp/imp   (then run the ferry import commands it prints)`)
    .action(
      command(async (flags: ExampleFlags) => {
        const { exampleCommand } = await import("../example.js");
        return exampleCommand(flags);
      }),
    );
}
