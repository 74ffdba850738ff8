import type { Command } from "commander";
import { command } from "../common/exit.js";
import { DIR, STATE_DB } from "../common/options.js";
import type { RunnerFlags } from "../runner.js";

/** `ferry runner --site S`: take the site's application jobs from the team's queue. */
export function registerRunner(program: Command): void {
  program
    .command("runner")
    .description("Run inside a site's network: take that site's application jobs from the team's queue (`ferry run --runners`) and run them")
    .requiredOption("--site <site>", "the site whose applications this runner runs (an id from estate/)")
    .option(...STATE_DB)
    .option("--concurrency <n>", "applications at once (default 4)")
    .option("--json", "one JSON object per line for what the runner does")
    .option(...DIR)
    .addHelpText(
      "after",
      `
The runner needs the same project (plan, estate, runbooks; e.g. the same commit of the project
repository) as the operator who queues the wave, the secrets its runbooks read, and the team's
database. Each application job becomes a run of its own in the shared journal, with the same
checks, engine and actions as \`ferry run\`. It registers with a heartbeat: \`ferry run --runners\`
reports a site whose runners are all gone instead of waiting for it.

A runner killed mid-step (kill -9, a lost machine) is a crash: once its lease expires
(FERRY_LEASE_SECONDS, default 30), another runner of the same site, or \`ferry resume RUN\`,
continues its run, settling steps in flight as after a crash (a non-idempotent one waits,
uncertain, for a person). SIGINT/SIGTERM: stop taking jobs, let running steps finish, put the
jobs back in the queue; a second signal aborts running steps.

Examples:
  ferry runner --site guildhall --state 'postgres://ferry@db.council.internal/ferry?sslmode=verify-full'
  FERRY_STATE=… ferry runner --site daventry-dc --dir /srv/ferry/project --json`,
    )
    .action(
      command(
        async (flags: RunnerFlags) => {
          const { runnerCommand } = await import("../runner.js");
          return runnerCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
