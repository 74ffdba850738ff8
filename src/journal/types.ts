/**
 * The durable record of a run. The engine depends on this interface only; the embedded
 * default is an append-only JSON-lines file (journal/file-journal.ts). A PostgreSQL backend
 * for teams comes later behind the same interface.
 */

/** One stored record: the payload plus its place in the hash chain. */
export interface JournalRecord<T = unknown> {
  /** 1-based, gap-free. */
  seq: number;
  /** ISO timestamp when the record was appended. */
  ts: string;
  /** The previous record's `sum` (64 zeros for the first): the hash chain. */
  prev: string;
  /** The payload: one engine event. Secrets must already be redacted. */
  event: T;
  /** sha256 hex of the RFC 8785 canonical JSON of `{seq, ts, prev, event}` (see journal/record.ts). */
  sum: string;
}

export interface Journal<T = unknown> {
  /**
   * Append one record and make it durable (written and fsynced) before resolving. Callers act
   * on the transition only after this resolves: a crash can then lose the side effect's
   * outcome, never the record that it was started.
   */
  append(event: T): Promise<JournalRecord<T>>;
  /** All records so far, verified. */
  records(): Promise<JournalRecord<T>[]>;
  close(): Promise<void>;
}

/** A problem found while reading a journal back. */
export interface JournalDamage {
  kind: "torn-tail" | "corrupt" | "broken-chain" | "sequence-gap";
  /** Byte offset of the bad line in the file. */
  offset: number;
  /** Sequence number of the bad record, where it could be read. */
  seq?: number;
  message: string;
}
