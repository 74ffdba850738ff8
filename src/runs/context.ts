/**
 * What every run-lifecycle function needs to know about where it works and for whom. The CLI
 * builds one from its flags; tests build one by hand. Nothing here prints: warnings go to
 * `warn`, and the project loader is passed in so the CLI can show progress while it reads.
 */
import { resolve } from "node:path";
import { userInfo } from "node:os";
import type { ErrorCode } from "../model/codes.js";
import type { Project } from "../model/load.js";
import { fileState, type StateBackend } from "../state/index.js";

export interface RunsContext {
  /** Project directory (estate/, runbooks/, stacks/, approvals/). */
  dir: string;
  /**
   * This machine's state folder: run journals when no `state` backend is given, and always the
   * run logs and dry-run results. @default `<dir>/.ferry` (see {@link stateDirOf})
   */
  stateDir: string;
  /**
   * Where runs, locks, heads, plans made and pinned host keys are kept: a PostgreSQL backend
   * for a team (`--state postgres://…`). @default the file backend over `stateDir`
   */
  state?: StateBackend;
  /** Who is acting: recorded in the journal. @default {@link operatorName} */
  operator: string;
  /** The environment templates read `env.*` from. */
  env: Readonly<Record<string, string | undefined>>;
  /** Load and validate the project (throws InputError). @default {@link loadValidProjectQuietly} */
  loadProject?: (dir: string) => Promise<Project>;
  /** A warning the operator should see (a torn journal tail dropped, …). @default ignored */
  warn?: (code: ErrorCode, message: string) => void;
}

/** Load the project and refuse invalid input (InputError, exit 2), without progress output. */
export async function loadValidProjectQuietly(dir: string): Promise<Project> {
  // Loaded when a project is: commands that only read state (`ferry status`) never need its parsers.
  const { assertValid, loadProject } = await import("../model/load.js");
  const project = await loadProject(dir);
  assertValid(project);
  return project;
}

/** The project as {@link RunsContext.loadProject} loads it. */
export function loadContextProject(ctx: Pick<RunsContext, "dir" | "loadProject">): Promise<Project> {
  return (ctx.loadProject ?? loadValidProjectQuietly)(ctx.dir);
}

/** The state backend of a context: its own, else the file backend over its state folder. */
export function stateOf(ctx: Pick<RunsContext, "stateDir" | "state">): StateBackend {
  return ctx.state ?? fileState(ctx.stateDir);
}

/** The state directory: `state`, else `<dir>/.ferry`, absolute. */
export function stateDirOf(opts: { state?: string; dir?: string }): string {
  return resolve(opts.state ?? resolve(opts.dir ?? ".", ".ferry"));
}

/** Who is running ferry: `FERRY_OPERATOR`, else the login name. Recorded in the journal. */
export function operatorName(env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.FERRY_OPERATOR?.trim()) return env.FERRY_OPERATOR.trim();
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}
