/**
 * Foreign failures (ssh2, sockets, child processes, Pulumi) are classified once, here at the
 * edge, so the engine decides retries and uncertainty from these fields and never parses stderr.
 */

import { FerryError, type ErrorCode } from "../model/codes.js";

/**
 * Whether the side effect may have happened:
 * - `not-started`: failed before anything changed (connect, auth, host key): safe to retry.
 * - `failed`: the action ran and reported failure (exit status, HTTP status).
 * - `unknown`: lost mid-way (connection dropped, timeout): it may or may not have taken effect.
 */
export type Outcome = "not-started" | "failed" | "unknown";

export interface ActionErrorOptions {
  /** Retrying may succeed (network blips, dropped connections). */
  transient?: boolean;
  outcome?: Outcome;
  /** What the operator should do, one sentence. */
  hint?: string;
  exitCode?: number;
  timedOut?: boolean;
  aborted?: boolean;
  signal?: string;
  /** Tail of stderr for the long message. */
  stderr?: string;
  /** The action's process may still be running and could not be confirmed gone: no check, no retry. */
  stillRunning?: boolean;
  cause?: unknown;
}

export class ActionError extends FerryError {
  override name = "ActionError";
  readonly transient: boolean;
  readonly outcome: Outcome;
  readonly exitCode?: number;
  readonly timedOut: boolean;
  readonly aborted: boolean;
  readonly signal?: string;
  readonly stderr?: string;
  readonly stillRunning: boolean;

  constructor(code: ErrorCode, message: string, opts: ActionErrorOptions = {}) {
    super(code, message, opts.hint, { cause: opts.cause });
    this.transient = opts.transient ?? false;
    this.outcome = opts.outcome ?? "failed";
    this.exitCode = opts.exitCode;
    this.timedOut = opts.timedOut ?? false;
    this.aborted = opts.aborted ?? false;
    this.signal = opts.signal;
    this.stderr = opts.stderr;
    this.stillRunning = opts.stillRunning ?? false;
  }
}

/** The host could not be reached (refused, no route, handshake timeout). Nothing ran. */
export class UnreachableError extends ActionError {
  override name = "UnreachableError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("host-unreachable", message, { transient: true, outcome: "not-started", ...opts });
  }
}

/** The host's key is unknown or changed. Refused before authentication; never transient. */
export class HostKeyError extends ActionError {
  override name = "HostKeyError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("host-key", message, { transient: false, outcome: "not-started", ...opts });
  }
}

/** Authentication was refused. Nothing ran. */
export class AuthError extends ActionError {
  override name = "AuthError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("auth-failed", message, { transient: false, outcome: "not-started", ...opts });
  }
}

/** The connection died while the command ran: it may have taken effect. */
export class ConnectionLostError extends ActionError {
  override name = "ConnectionLostError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("connection-lost", message, { transient: true, outcome: "unknown", ...opts });
  }
}

/** The step ran past its timeout and was killed (or the kill was attempted). */
export class StepTimeoutError extends ActionError {
  override name = "StepTimeoutError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("timeout", message, { transient: true, outcome: "unknown", timedOut: true, ...opts });
  }
}

/** A command exited with a status the step did not expect. */
export class CommandFailedError extends ActionError {
  override name = "CommandFailedError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("command-failed", message, { transient: false, outcome: "failed", ...opts });
  }
}

/** A probe answered, but not as expected (HTTP 503, wrong DNS answer, port closed). */
export class ProbeFailedError extends ActionError {
  override name = "ProbeFailedError";
  constructor(message: string, opts: ActionErrorOptions = {}) {
    super("probe-failed", message, { transient: true, outcome: "failed", ...opts });
  }
}
