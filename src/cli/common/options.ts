/**
 * The wording of flags several commands share, written once. Registrations load this at
 * start-up, so it imports nothing: `ferry --help` must not load the layers below the CLI.
 */
import type { Command } from "commander";

export const DIR = ["--dir <dir>", "project directory (estate/, runbooks/, stacks/, approvals/)", "."] as const;
export const STATE = [
  "--state <dir|url>",
  "where runs, locks and pinned host keys are kept: a state folder (default: <dir>/.ferry) or a team's PostgreSQL database, postgres://USER@HOST/DB?sslmode=verify-full (default: FERRY_STATE; see docs/team.md)",
] as const;
/** `ferry state …` and `ferry runner`: a database only. */
export const STATE_DB = ["--state <url>", "the team's PostgreSQL database, postgres://USER@HOST:PORT/DB?sslmode=verify-full (default: FERRY_STATE); the password from ?passfile=PATH, PGPASSFILE, ~/.pgpass or PGPASSWORD"] as const;
export const ACCEPT_NEW = ["--accept-new", "pin first-seen SSH host keys into .ferry/known_hosts (a changed key is always refused)"] as const;
export const EVENTS = ["--json", "stream NDJSON events on stdout (for pipelines)"] as const;
export const VERBOSE = ["--verbose", "debug log, pretty, on stderr (terminal only)"] as const;

export const RUN_EXITS = `
Exit codes: 0 done, 1 failed and rolled back, 2 invalid input or usage, 3 rollback failed (a
person must act; the message lists the steps), 4 waiting at an approval gate, an uncertain
step or an application paused where it failed (--on-failure pause), 130 interrupted (resume
continues it).`;

/** The flags of every command that runs steps (run, resume, rollback): host keys, output, state and project folders. */
export function withRunFlags(cmd: Command): Command {
  return cmd.option(...ACCEPT_NEW).option(...EVENTS).option(...VERBOSE).option(...STATE).option(...DIR);
}
