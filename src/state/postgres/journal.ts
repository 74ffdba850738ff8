/**
 * A run's journal in PostgreSQL. Each record is a row holding the line the file journal would
 * hold (canonical JSON, sha256 `sum`, chained by `prev`) and the fencing token of the lease it
 * was written under. An append resolves only once the transaction that inserted it committed;
 * appends that arrive while a commit is in flight are batched into the next one (group commit),
 * and each caller still waits for its own record's commit before acting.
 *
 * The append itself is one call of `ferry_append` (migrations/), which locks the run's row,
 * checks inside the transaction that the caller's lease is the current one and has not expired
 * by the database's clock, and that the chain has not moved on; a lease taken over by another
 * process fences this one off, whatever this process believes about time.
 *
 * Failure: a failed or unconfirmed commit (the server unreachable, restarted, the connection
 * cut mid-commit) is fatal, as a failed fsync is for the file journal: the batch may or may not
 * be in the database, so nothing that waited on it acts, every later append rejects, and the
 * run stops. `ferry resume` reads back what the database holds.
 */
import type pg from "pg";
import { JournalError } from "../../journal/errors.js";
import { encodeRecord } from "../../journal/record.js";
import type { JournalDamage, JournalRecord } from "../../journal/types.js";
import type { RunEvent } from "../../model/run-event.js";
import type { RunJournal } from "../backend.js";
import { encodeListing, listingOf } from "../../engine/listing.js";
import { applyEvent, foldEvents, type RunState } from "../../engine/state.js";
import { describeDbError } from "./errors.js";

interface Pending {
  event: RunEvent;
  resolve: (r: JournalRecord<RunEvent>) => void;
  reject: (e: unknown) => void;
}

export interface PgJournalInit {
  pool: pg.Pool;
  runId: string;
  /** Lease scope: '' for the whole run; `app:<id>` for a site runner's hold on one application. */
  scope: string;
  token: number;
  /** The run in a password-free form, for messages. */
  location: string;
  head: { seq: number; sum: string };
  recovered: JournalRecord<RunEvent>[];
  /** How long a lease lasts without renewal; the heartbeat renews it every third of that. */
  leaseMs: number;
  now?: () => Date;
  /** Read the run's verified records back (for `records()` after appends). */
  readBack: () => Promise<JournalRecord<RunEvent>[]>;
  /** Remove secrets from error texts. */
  redact?: (text: string) => string;
}

/** Counters for the benchmark: records committed, transactions, largest batch. */
export interface PgJournalStats {
  records: number;
  commits: number;
  maxBatch: number;
}

export class PgJournal implements RunJournal {
  readonly runId: string;
  readonly location: string;
  readonly recovered: readonly JournalRecord<RunEvent>[];
  readonly warnings: readonly JournalDamage[] = [];
  readonly token: number;
  readonly scope: string;

  readonly #pool: pg.Pool;
  readonly #now: () => Date;
  readonly #leaseMs: number;
  readonly #readBack: () => Promise<JournalRecord<RunEvent>[]>;
  readonly #redact: (text: string) => string;
  #head: { seq: number; sum: string };
  #queue: Pending[] = [];
  #flushing = false;
  #failure: JournalError | undefined;
  #closed = false;
  #idle: (() => void)[] = [];
  #heartbeat: NodeJS.Timeout | undefined;
  #stats: PgJournalStats = { records: 0, commits: 0, maxBatch: 0 };
  /**
   * The run folded as far as this journal has written it, for the listing kept with the batch
   * that finishes the run; undefined once it cannot be trusted (another process appended, the
   * records do not fold), and then no listing is kept (status reads the records).
   */
  #fold: RunState | undefined;

  constructor(init: PgJournalInit) {
    this.#pool = init.pool;
    this.runId = init.runId;
    this.scope = init.scope;
    this.token = init.token;
    this.location = init.location;
    this.#head = init.head;
    this.recovered = init.recovered;
    this.#leaseMs = init.leaseMs;
    this.#now = init.now ?? (() => new Date());
    this.#readBack = init.readBack;
    this.#redact = init.redact ?? ((t) => t);
    this.#fold = foldFrom(init.recovered);
    this.#heartbeat = setInterval(() => void this.#renew(), Math.max(50, Math.floor(init.leaseMs / 3)));
    this.#heartbeat.unref();
  }

  get head(): { seq: number; sum: string } {
    return { ...this.#head };
  }

  get failure(): JournalError | undefined {
    return this.#failure;
  }

  stats(): PgJournalStats {
    return { ...this.#stats };
  }

  append(event: RunEvent): Promise<JournalRecord<RunEvent>> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new Error(`append after close of ${this.location}`));
    return new Promise<JournalRecord<RunEvent>>((resolve, reject) => {
      this.#queue.push({ event, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Next turn, as the file journal does: appends made by this turn's callbacks join the batch.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length && !this.#failure) {
      const batch = this.#queue;
      this.#queue = [];
      let encoded: { record: JournalRecord<RunEvent>; line: string }[];
      try {
        encoded = await this.#commit(batch);
      } catch (err) {
        this.#fail(err, batch);
        break;
      }
      const last = encoded[encoded.length - 1]!.record;
      this.#head = { seq: last.seq, sum: last.sum };
      this.#stats.records += batch.length;
      this.#stats.commits += 1;
      this.#stats.maxBatch = Math.max(this.#stats.maxBatch, batch.length);
      batch.forEach((p, i) => p.resolve(encoded[i]!.record));
    }
    this.#flushing = false;
    for (const wake of this.#idle.splice(0)) wake();
  }

  /** Chain the batch after the tail we know, commit it; when another process appended in between, re-chain after its tail. */
  async #commit(batch: Pending[]): Promise<{ record: JournalRecord<RunEvent>; line: string }[]> {
    let tail = this.#head;
    let summary = this.#summaryAfter(batch);
    const finishing = batch.some((p) => p.event.type === "run.finished");
    for (let attempt = 0; ; attempt++) {
      // Another process appended since this journal last folded the run: for the batch that
      // finishes it, fold it again from its records up to the tail this attempt chains after.
      if (summary === null && finishing && !this.#fold) summary = await this.#refold(tail, batch);
      const ts = this.#now().toISOString();
      const encoded: { record: JournalRecord<RunEvent>; line: string }[] = [];
      let prev = tail;
      for (const p of batch) {
        const e = encodeRecord(prev.seq + 1, ts, prev.sum, p.event);
        encoded.push({ record: e.record, line: e.line.toString("utf8", 0, e.line.length - 1) });
        prev = { seq: e.record.seq, sum: e.record.sum };
      }
      // A server that stops answering (frozen, cut off) must not hold the run forever: past the
      // lease's length the lease has lapsed anyway, so give up and stop, as for a failed commit.
      const res = await this.#pool.query<{ outcome: string; tail_seq: string; tail_sum: string; holder_token: string }>(
        withTimeout(
          "SELECT * FROM ferry_append($1, $2, $3, $4, $5, $6, $7, $8)",
          // After a move the listing is null or made again from the records up to the new tail.
          [this.runId, this.scope, this.token, tail.seq + 1, tail.sum, encoded.map((e) => e.line), prev.sum, summary],
          this.#leaseMs,
        ),
      );
      const row = res.rows[0]!;
      if (row.outcome === "ok") return encoded;
      if (row.outcome === "moved" && attempt < 100) {
        this.#fold = undefined;
        summary = null;
        tail = { seq: Number(row.tail_seq), sum: row.tail_sum };
        continue;
      }
      if (row.outcome === "fenced") throw fencedError(this.runId, this.token, Number(row.holder_token));
      throw new JournalError("journal-not-found", `run ${this.runId} is no longer in ${this.location}.`, { hint: "`ferry status` lists the runs of the team." });
    }
  }

  /**
   * Fold the batch into this journal's view of the run; when the run is finished after it, its
   * listing for `ferry status`, kept in the batch's transaction. Null otherwise: an unfinished
   * run's records are read by status, as they change.
   */
  #summaryAfter(batch: Pending[]): string | null {
    try {
      for (const p of batch) {
        if (this.#fold) applyEvent(this.#fold, p.event);
        else if (p === batch[0] && this.#head.seq === 0) this.#fold = foldEvents([p.event]);
      }
      return this.#fold?.finished ? encodeListing(listingOf(this.#fold)) : null;
    } catch {
      this.#fold = undefined;
      return null;
    }
  }

  /** The run folded from its verified records when they end at `tail`, then the batch; its listing if that finishes it. */
  async #refold(tail: { seq: number; sum: string }, batch: Pending[]): Promise<string | null> {
    try {
      const records = await this.#readBack();
      const last = records[records.length - 1];
      if ((last?.seq ?? 0) !== tail.seq || (last?.sum ?? tail.sum) !== tail.sum || records.length === 0) return null;
      const s = foldEvents([...records.map((r) => r.event), ...batch.map((p) => p.event)]);
      return s.finished ? encodeListing(listingOf(s)) : null;
    } catch {
      // Only the listing is lost: status reads the records.
      return null;
    }
  }

  #fail(err: unknown, batch: Pending[]): void {
    this.#failure =
      err instanceof JournalError
        ? err
        : new JournalError(
            "state-unreachable",
            `Recording run ${this.runId} in ${this.location} failed (${describeDbError(err, this.#redact)}). The run stopped: ferry acts on nothing it could not record, and records not confirmed may or may not be in the database.`,
            { cause: err, hint: `When the database answers again, \`ferry resume ${this.runId}\` continues from what it holds.` },
          );
    for (const p of [...batch, ...this.#queue.splice(0)]) p.reject(this.#failure);
    this.#stopHeartbeat();
  }

  /** Renew the lease; a lease that is no longer ours fences this journal at once (the database would anyway). */
  async #renew(): Promise<void> {
    if (this.#failure || this.#closed) return;
    try {
      const res = await this.#pool.query<{ token: string }>(
        withTimeout(
          "UPDATE ferry_leases SET expires_at = clock_timestamp() + make_interval(secs => $4::double precision / 1000) WHERE run_id = $1 AND scope = $2 AND token = $3 AND NOT released AND expires_at > clock_timestamp() RETURNING token",
          [this.runId, this.scope, this.token, this.#leaseMs],
          this.#leaseMs,
        ),
      );
      if (res.rowCount === 0 && !this.#failure && !this.#closed) {
        const holder = await this.#pool.query<{ token: string }>("SELECT token FROM ferry_leases WHERE run_id = $1 AND scope = $2", [this.runId, this.scope]).catch(() => undefined);
        this.#fail(fencedError(this.runId, this.token, Number(holder?.rows[0]?.token ?? 0)), []);
      }
    } catch {
      // The database did not answer: the next append finds out, and the lease runs out on its own.
    }
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Every committed record of the run, verified. */
  async records(): Promise<JournalRecord<RunEvent>[]> {
    if (this.#head.seq === (this.recovered[this.recovered.length - 1]?.seq ?? 0)) return [...this.recovered];
    return this.#readBack();
  }

  /** Wait for queued appends, stop the heartbeat and give the lease back. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushing) await new Promise<void>((resolve) => this.#idle.push(resolve));
    this.#stopHeartbeat();
    // Given back so another operator need not wait for it to run out; if the database is gone,
    // it runs out on its own.
    await this.#pool.query("UPDATE ferry_leases SET released = true WHERE run_id = $1 AND scope = $2 AND token = $3", [this.runId, this.scope, this.token]).catch(() => undefined);
  }
}

/** The run folded from its records; undefined for none yet or records that do not fold. */
function foldFrom(records: readonly JournalRecord<RunEvent>[]): RunState | undefined {
  if (records.length === 0) return undefined;
  try {
    return foldEvents(records.map((r) => r.event));
  } catch {
    return undefined;
  }
}

/** A query that fails with a read timeout after `ms` (node-postgres's `query_timeout`; the pool then drops that connection). */
function withTimeout(text: string, values: unknown[], ms: number): pg.QueryConfig {
  return { text, values, query_timeout: ms } as pg.QueryConfig;
}

function fencedError(runId: string, token: number, holder: number): JournalError {
  return new JournalError(
    "lease-lost",
    `Run ${runId}: this process's lease (fencing token ${token}) ${holder > token ? `was taken over by another process (token ${holder})` : "expired"}; the database refuses its records, so it stops without acting further.`,
    { hint: `\`ferry status ${runId}\` shows who holds the run now. A process paused or cut off for longer than the lease loses it; see FERRY_LEASE_SECONDS.` },
  );
}
