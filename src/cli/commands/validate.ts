import type { Command } from "commander";
import { command } from "../common/exit.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("Check estate/, runbooks/ and stacks/: schemas, references, templates, address overlaps")
    .option("--dir <dir>", "project directory", ".")
    .option("--json", "print { ok, errors, warnings, counts } as JSON for pipelines")
    .option("-q, --quiet", "print errors only, no warnings or summary")
    .option("--no-cache", "neither read nor write .ferry/cache (also FERRY_CACHE=off)")
    .addHelpText(
      "after",
      `
Every problem is printed as path:line:col: message [code], with the path relative to --dir.
Errors exit 2; warnings (overlapping networks, addresses outside their site) exit 0.
Each of estate/, runbooks/ and stacks/ is optional; a reference into a missing one is an error.
Codes are explained in docs/errors.md.
Estate files that checked cleanly are cached in .ferry/cache/ by content digest, so an unchanged
estate validates fast; the folder is safe to delete. --no-cache or FERRY_CACHE=off turns it off.

Examples:
  ferry validate
  ferry validate --dir ../wnc-migration --json | jq '.errors[] | .file + ":" + (.line|tostring)'`,
    )
    .action(
      command(
        async (opts: { dir: string; json?: boolean; quiet?: boolean; cache?: boolean }) => {
          const { validateCommand } = await import("../validate.js");
          return validateCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
