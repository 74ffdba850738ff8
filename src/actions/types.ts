import type { Logger } from "pino";
import type { Host } from "../model/estate.js";
import type { ActionKind, ActionSpecs } from "../model/runbook.js";
import type { ProcessRef } from "../model/run-event.js";

/**
 * What an action gets from the engine for one execution. Everything in `spec` is already
 * rendered: templates resolved, and values inside shell commands shell-quoted.
 */
export interface ActionContext {
  /**
   * Aborted on step timeout or operator abort. An action must stop its side effect (kill the
   * local process tree, signal and close the remote command) and reject with an ActionError
   * whose `timedOut`/`aborted` says why; it never just stops waiting.
   */
  signal: AbortSignal;
  /** pino child logger bound to run, app and step; secrets are redacted by the engine's logger. */
  log: Logger;
  /** Each line of output as it arrives (for the live view and the log). */
  onLine?: (stream: "stdout" | "stderr", line: string) => void;
  /** The estate's host record for an id (ssh, copy). */
  host(id: string): Host | undefined;
  /** Secret values by name (from the operator's environment); pass them by stdin or env, never argv. */
  secrets: ReadonlyMap<string, string>;
  /** Directory relative paths are resolved against (the project directory). */
  cwd: string;
  /**
   * The recorded release of this step's approval gate (from `ferry gate approve`, read back
   * from the journal). The `approval` action succeeds only when it is present; otherwise it
   * throws the `gate-waiting` ActionError and the engine parks the application.
   */
  gate?: { approvedBy: string; at: string };
  /**
   * Given for a step's or rollback's attempt (not probes): a gated action (`Action.gated`)
   * calls it once its process group exists and lets the command run only after it resolves
   * (the engine journals the group first); when it rejects, the command never runs.
   */
  started?: (process: ProcessRef) => Promise<void>;
}

/** What became of a process group a stopped ferry left behind (see `Action.reap`). */
export interface ReapResult {
  outcome: "gone" | "exited" | "killed";
  detail: string;
}

/** A step's outputs, usable by later steps as `steps.<id>.outputs.<name>`. */
export interface ActionOutput {
  /** Trimmed, bounded stdout. */
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Parsed stdout when the spec asked for JSON, or a structured result (http body JSON…). */
  json?: unknown;
  /** Action-specific facts (http status, resolved addresses, copied files…). */
  [name: string]: unknown;
}

/** One step kind. Side effects live here and only here. */
export interface Action<K extends ActionKind = ActionKind> {
  readonly kind: K;
  run(ctx: ActionContext, spec: ActionSpecs[K]): Promise<ActionOutput>;
  /**
   * Read-only readiness check for `--dry-run` (e.g. SSH connect and authenticate, no command).
   * Absent when the action cannot be checked without making its change.
   */
  preflight?(ctx: ActionContext, spec: ActionSpecs[K]): Promise<string>;
  /** `run` reports its process group through `ctx.started` before the command may run. */
  readonly gated?: boolean;
  /**
   * After a crash: wait up to `waitMs` for a process group an earlier ferry started to end,
   * then kill it; resolves once it is known gone. Rejects (an ActionError) when that cannot be
   * established; rejects with an `aborted` error when `ctx.signal` aborts the wait.
   */
  reap?(ctx: ActionContext, process: ProcessRef, opts: { waitMs: number }): Promise<ReapResult>;
  /** Release pooled resources (connections) at the end of a run. */
  close?(): Promise<void>;
}

/** The actions a run can use, by kind. */
export type ActionRegistry = { [K in ActionKind]?: Action<K> };
