/**
 * The team's state in PostgreSQL (`--state postgres://…`): the tables of migrations/ behind the
 * same interface as the state folder. What differs from files:
 *
 * - A record is committed in a transaction before ferry acts on it; there is no torn write to
 *   repair, and a failed commit stops the run (journal.ts).
 * - A run is held by a lease (`ferry_leases`), not a lock file: it lasts `leaseMs` from its last
 *   renewal by the holder's heartbeat, by the database's clock. A holder that died, hangs or is
 *   cut off loses it; another operator's `ferry resume` then takes it over with a larger
 *   fencing token, and the database refuses every record of the old holder from then on.
 * - The start lock is a session advisory lock, so it goes with the connection of a process
 *   that dies.
 *
 * Nothing here prints the connection string; `location` is the address without its password.
 */
import { hostname } from "node:os";
import type pg from "pg";
import { JournalError } from "../../journal/errors.js";
import { sha256, ZERO_HASH, type LineCheck } from "../../journal/record.js";
import { RunLockedError } from "../../journal/run-lock.js";
import type { JournalRecord } from "../../journal/types.js";
import type { RunEvent } from "../../model/run-event.js";
import type { HeldLock, LeaseHolder, OpenRunOptions, RecordedHead, RunLiveness, RunRecords, StateBackend } from "../backend.js";
import { describeDbError } from "./errors.js";
import { PgJournal } from "./journal.js";

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The advisory lock key of the start lock (a constant: one per database). */
const START_LOCK_KEY = 0x6665_7279; // "fery"
/** How long a start waits for another to finish starting. */
const START_WAIT_MS = 15_000;
/** A lease lasts this long without renewal. @default 30 s; FERRY_LEASE_SECONDS overrides. */
export const DEFAULT_LEASE_MS = 30_000;

export interface PostgresBackendOptions {
  pool: pg.Pool;
  /** The database's address without password, for messages. */
  location: string;
  /** This machine's folder for run logs and dry runs. */
  localDir: string;
  /** Lease length. @default DEFAULT_LEASE_MS */
  leaseMs?: number;
  /** Clock for record timestamps. */
  now?: () => Date;
  /** Remove secrets (the password) from a text before it reaches a message. @default URL passwords only */
  redact?: (text: string) => string;
}

interface LeaseRow {
  run_id: string;
  token: string;
  owner: string;
  hostname: string;
  pid: number;
  acquired_at: Date;
  expires_at: Date;
  released: boolean;
  live: boolean;
}

export class PostgresStateBackend implements StateBackend {
  readonly kind = "postgres" as const;
  readonly location: string;
  readonly localDir: string;
  readonly headsLocation = "the heads table";
  readonly leaseMs: number;
  readonly #pool: pg.Pool;
  readonly #now: (() => Date) | undefined;
  readonly #redact: (text: string) => string;

  constructor(opts: PostgresBackendOptions) {
    this.#pool = opts.pool;
    this.#redact = opts.redact ?? ((t) => t);
    this.location = opts.location;
    this.localDir = opts.localDir;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.#now = opts.now;
  }

  /** The pool, for the migration check and site runners that share this backend's connections. */
  get pool(): pg.Pool {
    return this.#pool;
  }

  #where(runId: string): string {
    return `run ${runId} in ${this.location}`;
  }

  async createRun(runId: string, opts: OpenRunOptions, scope = ""): Promise<PgJournal> {
    assertRunId(runId);
    const token = await this.#tx(async (c) => {
      const inserted = await c.query("INSERT INTO ferry_runs (run_id, started_by, started_host) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [runId, opts.owner, hostname()]);
      if (inserted.rowCount === 0) {
        throw new JournalError("journal-exists", `Run ${runId} already exists in ${this.location}.`, { hint: `Resume it with \`ferry resume ${runId}\`, or start a new run.` });
      }
      return this.#takeLease(c, runId, scope, opts.owner);
    });
    return this.#journal(runId, scope, token, { seq: 0, sum: ZERO_HASH }, []);
  }

  async openRun(runId: string, opts: OpenRunOptions, scope = ""): Promise<PgJournal> {
    assertRunId(runId);
    const token = await this.#tx(async (c) => {
      const run = await c.query("SELECT run_id FROM ferry_runs WHERE run_id = $1 FOR UPDATE", [runId]);
      if (run.rowCount === 0) throw this.#notFound(runId);
      const held = await c.query<LeaseRow>(`SELECT *, expires_at > clock_timestamp() AS live FROM ferry_leases WHERE run_id = $1 AND scope = $2`, [runId, scope]);
      const lease = held.rows[0];
      if (lease && !lease.released && lease.live) {
        const h = leaseHolder(lease);
        throw new RunLockedError(`Run "${runId}" is held by ${h.owner} (pid ${h.pid} on ${h.hostname}) since ${h.started}, fencing token ${h.token}; its lease runs until ${h.expires}.`, undefined, {
          path: this.#where(runId),
          hint: "Another ferry works on this run and renews its lease. If that machine died or was cut off, its lease runs out on its own; try again after the time above.",
        });
      }
      return this.#takeLease(c, runId, scope, opts.owner);
    });
    const { records, head } = await this.readRun(runId);
    return this.#journal(runId, scope, token, head, records);
  }

  /** Take (or take over) the lease on `scope` of the run: a new, larger fencing token. In the caller's transaction. */
  async #takeLease(c: pg.PoolClient, runId: string, scope: string, owner: string): Promise<number> {
    const res = await c.query<{ token: string }>(
      `INSERT INTO ferry_leases (run_id, scope, token, owner, hostname, pid, acquired_at, expires_at, released)
       VALUES ($1, $2, nextval('ferry_lease_tokens'), $3, $4, $5, clock_timestamp(), clock_timestamp() + make_interval(secs => $6::double precision / 1000), false)
       ON CONFLICT (run_id, scope) DO UPDATE SET token = EXCLUDED.token, owner = EXCLUDED.owner, hostname = EXCLUDED.hostname, pid = EXCLUDED.pid,
         acquired_at = EXCLUDED.acquired_at, expires_at = EXCLUDED.expires_at, released = false
       RETURNING token`,
      [runId, scope, owner, hostname(), process.pid, this.leaseMs],
    );
    return Number(res.rows[0]!.token);
  }

  #journal(runId: string, scope: string, token: number, head: { seq: number; sum: string }, recovered: JournalRecord<RunEvent>[]): PgJournal {
    return new PgJournal({
      pool: this.#pool,
      runId,
      scope,
      token,
      location: this.#where(runId),
      head,
      recovered,
      leaseMs: this.leaseMs,
      ...(this.#now ? { now: this.#now } : {}),
      readBack: async () => (await this.readRun(runId)).records,
      redact: this.#redact,
    });
  }

  async readRun(runId: string, opts: { maxRecords?: number } = {}): Promise<RunRecords> {
    assertRunId(runId);
    const res = await this.#query<{ exists: boolean; line: string | null }>(
      `SELECT true AS exists, r.line FROM ferry_runs u LEFT JOIN LATERAL (SELECT line, seq FROM ferry_records WHERE run_id = u.run_id ORDER BY seq ${opts.maxRecords !== undefined ? `LIMIT ${Math.max(0, Math.floor(opts.maxRecords))}` : ""}) r ON true WHERE u.run_id = $1 ORDER BY r.seq`,
      [runId],
    );
    if (res.rowCount === 0) throw this.#notFound(runId);
    return this.#verify(runId, res.rows.flatMap((r) => (r.line === null ? [] : [r.line])));
  }

  async readRuns(runIds?: readonly string[]): Promise<Map<string, RunRecords | Error>> {
    const res = await this.#query<{ run_id: string; line: string | null }>(
      `SELECT u.run_id, r.line FROM ferry_runs u LEFT JOIN ferry_records r ON r.run_id = u.run_id ${runIds ? "WHERE u.run_id = ANY($1)" : ""} ORDER BY u.run_id, r.seq`,
      runIds ? [runIds] : [],
    );
    const lines = new Map<string, string[]>();
    for (const row of res.rows) {
      let l = lines.get(row.run_id);
      if (!l) lines.set(row.run_id, (l = []));
      if (row.line !== null) l.push(row.line);
    }
    const out = new Map<string, RunRecords | Error>();
    for (const [id, l] of lines) {
      try {
        out.set(id, this.#verify(id, l));
      } catch (err) {
        out.set(id, err as Error);
      }
    }
    return out;
  }

  /** Check every stored line's checksum and the chain, as the file reader does; a bad one is journal-corrupt, named by run and seq. */
  #verify(runId: string, lines: string[]): RunRecords {
    const records: JournalRecord<RunEvent>[] = [];
    let head = { seq: 0, sum: ZERO_HASH };
    for (const line of lines) {
      const check = checkStoredLine(line);
      const expected = head.seq + 1;
      const fail = (what: string) =>
        new JournalError("journal-corrupt", `${this.#where(runId)}: record ${expected}: ${what}.`, {
          seq: expected,
          hint: "Records are only ever inserted by ferry_append; this one was changed in the database. Keep a dump of the run's rows and do not resume from it until you know why.",
        });
      if (!check.ok) throw fail(check.message);
      if (check.record.seq !== expected) throw fail(`record ${check.record.seq} follows record ${head.seq} (a record was removed or reordered)`);
      if (check.record.prev !== head.sum) throw fail(`prev does not match the sum of record ${head.seq} (the record was replaced)`);
      records.push(check.record);
      head = { seq: check.record.seq, sum: check.record.sum };
    }
    return { records, head, damage: [], location: this.#where(runId) };
  }

  async listRuns(): Promise<string[]> {
    return (await this.#query<{ run_id: string }>("SELECT run_id FROM ferry_runs ORDER BY run_id")).rows.map((r) => r.run_id);
  }

  async runLiveness(runId: string): Promise<RunLiveness> {
    return (await this.runsLiveness([runId])).get(runId) ?? { live: false };
  }

  async runsLiveness(runIds: readonly string[]): Promise<Map<string, RunLiveness>> {
    const res = await this.#query<LeaseRow>(`SELECT *, expires_at > clock_timestamp() AS live FROM ferry_leases WHERE run_id = ANY($1) AND scope = ''`, [runIds]);
    const out = new Map<string, RunLiveness>(runIds.map((id) => [id, { live: false }]));
    for (const row of res.rows) out.set(row.run_id, { live: row.live && !row.released, holder: leaseHolder(row) });
    return out;
  }

  /** Who started each run and from which machine (for `ferry status` over the team's runs). */
  async runOrigins(): Promise<Map<string, { by: string; host: string }>> {
    const res = await this.#query<{ run_id: string; started_by: string; started_host: string }>("SELECT run_id, started_by, started_host FROM ferry_runs");
    return new Map(res.rows.map((r) => [r.run_id, { by: r.started_by, host: r.started_host }]));
  }

  async runListings(): Promise<Map<string, string | null>> {
    // Only a listing tagged with the run's head as it stands: one the run went on from is stale.
    const res = await this.#query<{ run_id: string; listing: string | null }>(
      "SELECT u.run_id, s.listing FROM ferry_runs u LEFT JOIN ferry_run_summaries s ON s.run_id = u.run_id AND s.seq = u.last_seq AND s.sum = u.last_sum ORDER BY u.run_id",
    );
    return new Map(res.rows.map((r) => [r.run_id, r.listing]));
  }

  async removeEmptyRun(runId: string): Promise<void> {
    await this.#query("DELETE FROM ferry_runs WHERE run_id = $1 AND last_seq = 0", [runId]);
  }

  async takeStartLock(owner: string): Promise<HeldLock> {
    const client = await this.#connect();
    try {
      await client.query(`SET lock_timeout = ${START_WAIT_MS}`);
      await client.query("SELECT pg_advisory_lock($1)", [START_LOCK_KEY]);
    } catch (err) {
      client.release(true);
      if ((err as { code?: string }).code === "55P03") {
        throw new RunLockedError(`Another ferry has been starting a run in ${this.location} for more than ${START_WAIT_MS / 1000} s.`, undefined, {
          path: this.location,
          hint: "Try again; a start holds this lock for an instant, and a dead process's lock goes with its connection.",
        });
      }
      throw this.#unavailable(`Cannot take the start lock (as ${owner})`, err);
    }
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        try {
          await client.query("SELECT pg_advisory_unlock($1)", [START_LOCK_KEY]);
          await client.query("RESET lock_timeout");
          client.release();
        } catch {
          // The connection is gone, and the lock with it.
          client.release(true);
        }
      },
    };
  }

  async recordHead(head: RecordedHead): Promise<void> {
    await this.#query("INSERT INTO ferry_heads (run_id, seq, sum, status, at) VALUES ($1, $2, $3, $4, $5)", [head.run, head.seq, head.sum, head.status, head.at]);
  }

  async recordedHeads(runId: string): Promise<RecordedHead[]> {
    const res = await this.#query<{ seq: string; sum: string; status: string; at: string }>("SELECT seq, sum, status, at FROM ferry_heads WHERE run_id = $1 ORDER BY id", [runId]);
    return res.rows.map((r) => ({ run: runId, seq: Number(r.seq), sum: r.sum, status: r.status, at: r.at }));
  }

  async planFirstMade(hash: string): Promise<string | undefined> {
    return (await this.#query<{ made_at: string }>("SELECT made_at FROM ferry_plans_made WHERE plan_hash = $1", [hash])).rows[0]?.made_at;
  }

  async recordPlanMade(hash: string, now: Date = new Date()): Promise<void> {
    await this.#query("INSERT INTO ferry_plans_made (plan_hash, made_at) VALUES ($1, $2) ON CONFLICT DO NOTHING", [hash, now.toISOString()]);
  }

  async pinnedHostKeys(): Promise<string[]> {
    return (await this.#query<{ line: string }>("SELECT line FROM ferry_host_keys ORDER BY pinned_at, line")).rows.map((r) => r.line);
  }

  async pinHostKey(line: string): Promise<void> {
    await this.#query("INSERT INTO ferry_host_keys (line) VALUES ($1) ON CONFLICT DO NOTHING", [line]);
  }

  async close(): Promise<void> {
    await this.#pool.end().catch(() => undefined);
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.#pool.query<R>(sql, params);
    } catch (err) {
      throw this.#unavailable("A query failed", err);
    }
  }

  async #connect(): Promise<pg.PoolClient> {
    try {
      return await this.#pool.connect();
    } catch (err) {
      throw this.#unavailable("Cannot connect", err);
    }
  }

  async #tx<T>(body: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.#connect();
    let broken = false;
    try {
      await c.query("BEGIN");
      const out = await body(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => (broken = true));
      if (err instanceof JournalError) throw err;
      broken = true;
      throw this.#unavailable("A transaction failed", err);
    } finally {
      c.release(broken);
    }
  }

  #unavailable(what: string, err: unknown): JournalError {
    if (err instanceof JournalError) return err;
    return new JournalError("state-unreachable", `${what} on ${this.location}: ${describeDbError(err, this.#redact)}.`, {
      cause: err,
      hint: "Check that the database is up and reachable from here (`ferry state migrate` checks the connection too), then run the command again.",
    });
  }

  #notFound(runId: string): JournalError {
    return new JournalError("journal-not-found", `No run ${runId} in ${this.location}.`, { hint: "Check the run id and --state; `ferry status` lists the team's runs." });
  }
}

function leaseHolder(row: LeaseRow): LeaseHolder {
  // A lease given back has no end worth showing: it is simply not held.
  return { owner: row.owner, hostname: row.hostname, pid: row.pid, started: row.acquired_at.toISOString(), token: Number(row.token), ...(row.released ? {} : { expires: row.expires_at.toISOString() }) };
}

/** `,"sum":"` + 64 hex + `"}`: the fixed tail of a stored line (ASCII, so as many characters as bytes). */
const SUM_TAIL = 74;

/**
 * Check one stored line as journal/record.ts checks a file's: sha256 of the line without its
 * sum tail (closed with `}`) must be the stored sum, and the parsed record must carry it. Works
 * on the string the driver returns, without a copy into bytes and back.
 */
function checkStoredLine(line: string): LineCheck<RunEvent> {
  const body = line.length > SUM_TAIL + 2 && line.startsWith("{") && line.slice(-SUM_TAIL, -SUM_TAIL + 8) === ',"sum":"' && line.endsWith('"}') ? line.slice(0, -SUM_TAIL) + "}" : undefined;
  if (body === undefined) return { ok: false, message: "not a journal record (no checksum at the end of the line)" };
  const stored = line.slice(-SUM_TAIL + 8, -2);
  const computed = sha256(body);
  if (stored !== computed) return { ok: false, message: `checksum mismatch (stored ${stored.slice(0, 12)}…, computed ${computed.slice(0, 12)}…)` };
  let r: Partial<JournalRecord<RunEvent>>;
  try {
    r = JSON.parse(line) as Partial<JournalRecord<RunEvent>>;
  } catch {
    return { ok: false, message: "checksum matches but the line is not valid JSON" };
  }
  if (r.sum !== computed || !Number.isSafeInteger(r.seq) || typeof r.ts !== "string" || typeof r.prev !== "string" || r.prev.length !== 64 || r.event === undefined || Object.keys(r).length !== 5) {
    return { ok: false, message: "checksum matches but the record lacks seq, ts, prev, event or sum" };
  }
  return { ok: true, record: r as JournalRecord<RunEvent> };
}

function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new JournalError("usage", `Invalid run id "${runId}": use letters, digits, dot, dash and underscore.`, { hint: "`ferry status` lists the runs." });
  }
}
