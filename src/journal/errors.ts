/**
 * The journal's one error class. `code` is a key of the registry in model/codes.ts, so the CLI
 * maps it to an exit code and prints `message` and `hint` without a stack trace.
 */
import { FerryError } from "../model/codes.js";
import type { JournalDamage } from "./types.js";

export type JournalErrorCode =
  | "journal-io"
  | "journal-corrupt"
  | "journal-empty"
  | "journal-exists"
  | "journal-not-found"
  | "state-dir-unsafe"
  | "run-locked"
  | "state-unreachable"
  | "lease-lost"
  | "usage";

export interface JournalErrorOptions {
  /** The file or directory concerned. */
  path?: string;
  /** Byte offset of the bad record (journal-corrupt). */
  offset?: number;
  /** Sequence number of the bad record, where it could be read. */
  seq?: number;
  /** What the operator should do, one sentence. */
  hint?: string;
  /** For journal-corrupt: what kind of damage, where. */
  damage?: JournalDamage;
  cause?: unknown;
}

export class JournalError extends FerryError {
  override name = "JournalError";
  declare readonly code: JournalErrorCode;
  readonly path?: string;
  readonly offset?: number;
  readonly seq?: number;
  readonly damage?: JournalDamage;

  constructor(code: JournalErrorCode, message: string, opts: JournalErrorOptions = {}) {
    super(code, message, opts.hint, { cause: opts.cause });
    this.path = opts.path;
    this.offset = opts.offset;
    this.seq = opts.seq;
    this.damage = opts.damage;
  }
}

/** `err.code` of a Node system error, if any (ENOENT, EEXIST, EIO…). */
export function errnoCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : undefined;
}
