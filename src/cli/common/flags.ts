/**
 * Flags several commands share, parsed into numbers, and the runs context built from them.
 * (Their wording is in options.ts, which the registrations load at start-up; this file is
 * loaded only by the actions.)
 */
import { resolve } from "node:path";
import { UsageError } from "../../model/diagnostics.js";
import type { RunsContext } from "../../runs/context.js";
import { operatorName, stateDirOf } from "../../runs/context.js";
import { isDatabaseState, withoutPasswords, type StateBackend } from "../../state/index.js";
import { openState, stateSetting } from "../../state/open.js";

/** The flags every command that touches runs has. */
export interface StateFlags {
  /** State directory. @default `<dir>/.ferry` */
  state?: string;
  /** Project directory. @default "." */
  dir: string;
}

/** A positive integer flag, or a usage error naming it. */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, got ${JSON.stringify(value)}`);
  return n;
}

/** `--wave N`: a wave number, or a usage error. */
export function waveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--wave must be a wave number (1, 2, …), got ${JSON.stringify(value)}`);
  return n;
}

/**
 * ` --dir D --state D` as far as they differ from the defaults, for commands the operator
 * copies. A database's password is never printed: `***` stands for it (keep it in a password
 * file, and the connection string needs none).
 */
export function stateFlagFor(opts: Partial<StateFlags>): string {
  return `${opts.dir !== undefined && opts.dir !== "." ? ` --dir ${opts.dir}` : ""}${opts.state !== undefined ? ` --state ${withoutPasswords(opts.state)}` : ""}`;
}

/** The state backend `--state` (else `FERRY_STATE`) names: a state folder (the default `<dir>/.ferry`) or a PostgreSQL database. */
export function stateFor(opts: { state?: string; dir?: string }): StateBackend {
  return openState({ ...opts, env: process.env });
}

/** This machine's state folder: the one `--state` names, else `<dir>/.ferry` (also where run logs go when state is in a database). */
export function localStateDir(opts: { state?: string; dir?: string }): string {
  const setting = stateSetting({ ...opts, env: process.env });
  return stateDirOf({ ...(setting !== undefined && !isDatabaseState(setting) ? { state: setting } : {}), ...(opts.dir !== undefined ? { dir: opts.dir } : {}) });
}

/** The runs context of a command: project and state folders, operator, environment; warnings on stderr. */
export function runsContext(opts: StateFlags): RunsContext {
  return {
    dir: resolve(opts.dir),
    stateDir: localStateDir(opts),
    state: stateFor(opts),
    operator: operatorName(),
    env: process.env,
    // Loaded as the operator typed it, so messages name the folder the way they wrote it.
    // Loaded when a project is: `ferry status` reads state only and needs none of the parsers.
    loadProject: async () => (await import("./load-project.js")).loadValidProject(opts.dir),
    warn: (code, message) => void process.stderr.write(`ferry: warning [${code}]: ${message}\n`),
  };
}
