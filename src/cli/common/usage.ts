/**
 * Usage mistakes exit 2, as the README promises (commander's own default is 1, the code ferry
 * uses for a failed run): an unknown command or option, a missing required option or argument.
 * An option that belongs to another command says which commands take it.
 */
import type { Command, CommanderError } from "commander";

/** Commands (by their full name, `gate approve`) that take `flag`. */
function commandsTaking(program: Command, flag: string): string[] {
  const found: string[] = [];
  const visit = (cmd: Command, prefix: string) => {
    for (const sub of cmd.commands) {
      const name = `${prefix}${sub.name()}`;
      if (sub.options.some((o) => o.long === flag || o.short === flag)) found.push(name);
      visit(sub, `${name} `);
    }
  };
  visit(program, "");
  return found;
}

/** Make every command created after this call exit 2 on a usage mistake (call it before registering commands). */
export function exitTwoOnUsageErrors(program: Command): void {
  program.exitOverride((err: CommanderError) => {
    // --help and --version are not mistakes.
    if (err.exitCode === 0 || err.code === "commander.helpDisplayed" || err.code === "commander.version") process.exit(0);
    if (err.code === "commander.unknownOption") {
      const flag = /'([^']+)'/.exec(err.message)?.[1];
      const owners = flag ? commandsTaking(program, flag) : [];
      if (owners.length) process.stderr.write(`  ${flag} is an option of: ${owners.map((c) => `ferry ${c}`).join(", ")}\n`);
    }
    process.exit(2);
  });
}
