import type { Command } from "commander";
import { command } from "../common/exit.js";
import { STATE_DB } from "../common/options.js";
import type { StateDbFlags } from "../state.js";

/** `ferry state migrate` and `ferry state status`: the team database's schema. */
export function registerState(program: Command): void {
  const state = program
    .command("state")
    .description("Prepare and inspect a team's PostgreSQL state database (see docs/team.md)")
    .addHelpText(
      "after",
      `
The state database holds every run's journal, the run leases, approvals of gates, journal heads,
pinned host keys and the site runners' job queue. Create the database and a role for ferry, then
\`ferry state migrate\` once (and after each ferry upgrade); every ferry checks the schema version at start.`,
    );

  state
    .command("migrate")
    .description("Create or update the schema of a team's state database (ferry's tables and the runners' job queue)")
    .option(...STATE_DB)
    .option("--json", "print { ok, before, after, applied, queue } as JSON")
    .addHelpText(
      "after",
      `
Pending migrations run in one transaction: all or none. Two operators migrating at once run one
after the other (advisory lock). Safe to run again: nothing to do exits 0.

Exit codes: 0 migrated (or nothing to do), 1 a migration failed (nothing kept), 2 bad connection
string, password or TLS, 69 database unreachable.

Examples:
  FERRY_STATE='postgres://ferry@db.council.internal/ferry?sslmode=verify-full' ferry state migrate
  ferry state migrate --state 'postgres://ferry@127.0.0.1/ferry?passfile=/etc/ferry/pgpass' --json`,
    )
    .action(
      command(
        async (flags: StateDbFlags) => {
          const { stateMigrateCommand } = await import("../state.js");
          return stateMigrateCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );

  state
    .command("status")
    .description("Show the state database's schema version, what this ferry needs, the runners' queue and the site runners of the last day")
    .option(...STATE_DB)
    .option("--json", "print { ok, current, required, pending, applied, queue, runners } as JSON")
    .addHelpText(
      "after",
      `
Exit codes: 0 the schema is what this ferry needs, 2 it is older (run \`ferry state migrate\`) or
newer (upgrade ferry), or the connection string, password or TLS is wrong, 69 unreachable.

Example:
  ferry state status --state 'postgres://ferry@db.council.internal/ferry?sslmode=verify-full'`,
    )
    .action(
      command(
        async (flags: StateDbFlags) => {
          const { stateStatusCommand } = await import("../state.js");
          return stateStatusCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
