/**
 * Where ferry keeps what must outlive one process: the run journals, the locks (leases) that
 * keep two processes from acting for one run or one application, the journal heads kept
 * outside the journals, when each plan was first made, and pinned SSH host keys.
 *
 * Two implementations:
 * - `file` (state/file/): the embedded default, one operator's `.ferry/` folder. Journals are
 *   fsynced JSON-lines files, locks are lock files checked by pid on this machine.
 * - `postgres` (state/postgres/): a team's shared database, chosen with `--state postgres://…`.
 *   Records are rows committed in a transaction, leases expire unless renewed by a heartbeat,
 *   and every record carries the fencing token of the lease it was written under.
 *
 * The run lifecycle (src/runs/) reaches state only through this interface, via
 * `RunsContext.state`; the engine sees only the `Journal` it is handed. Another process (a site
 * runner) opens a backend from the same connection string and appends to a run it holds a
 * lease on, with `openRun`.
 */
import type { Journal, JournalDamage, JournalRecord } from "../journal/types.js";
import type { RunEvent } from "../model/run-event.js";
import type { RecordedHead } from "../journal/heads.js";

export type { RecordedHead };

/** Who holds a run's lock or lease. */
export interface LeaseHolder {
  /** Operator name (`FERRY_OPERATOR` or the login name). */
  owner: string;
  hostname: string;
  pid: number;
  /** ISO time the lock or lease was taken. */
  started: string;
  /** Fencing token: greater than every earlier holder's of the same run. */
  token: number;
  /** ISO time the lease runs out unless renewed (PostgreSQL only: a file lock lasts while its process lives). */
  expires?: string;
}

/** Whether a process works on a run now. */
export interface RunLiveness {
  /** A live process holds the run: it is not interrupted, and it cannot be resumed from elsewhere. */
  live: boolean;
  /** The current or last holder, where known. */
  holder?: LeaseHolder;
}

/** A run's journal, opened for appending under the run's lock or lease. */
export interface RunJournal extends Journal<RunEvent> {
  readonly runId: string;
  /** Where the journal is, for messages: a file path, or the run in a (password-free) database address. */
  readonly location: string;
  /** Seq and sum of the last durable record. */
  readonly head: { seq: number; sum: string };
  /** Records found when the journal was opened to continue a run, already verified. */
  readonly recovered: readonly JournalRecord<RunEvent>[];
  /** Damage repaired on opening (a torn last line of a file journal), to tell the operator. */
  readonly warnings: readonly JournalDamage[];
  /** Fencing token of the lock or lease this journal writes under. */
  readonly token: number | undefined;
  /** Set once an append failed (disk, database, lost lease): every later append rejects with it. */
  readonly failure: Error | undefined;
}

/** A run's records read without taking its lock (status, history, evidence). */
export interface RunRecords {
  records: JournalRecord<RunEvent>[];
  head: { seq: number; sum: string };
  /** A torn last record dropped (file journals only). */
  damage: JournalDamage[];
  location: string;
}

/** A lock held for an instant (the start of a run), released by its holder or by its death. */
export interface HeldLock {
  release(): Promise<void>;
}

export interface OpenRunOptions {
  /** Who is acting, for the message another operator sees. */
  owner: string;
}

export interface StateBackend {
  readonly kind: "file" | "postgres";
  /** For messages: the state folder, or the database address without its password. */
  readonly location: string;
  /**
   * This machine's folder for what stays local whatever the backend: run logs, dry-run
   * results. The state folder for `file`; `<project>/.ferry` for `postgres`.
   */
  readonly localDir: string;

  /** Create a new run's journal (refused if the run exists) and take its lock or lease. */
  createRun(runId: string, opts: OpenRunOptions): Promise<RunJournal>;
  /**
   * Open an existing run to continue it: take its lock or lease (refused with `run-locked`,
   * naming the holder, while a live process holds it; a dead holder's is taken over, and its
   * fencing token is superseded) and read its records back.
   */
  openRun(runId: string, opts: OpenRunOptions): Promise<RunJournal>;
  /** A run's records, without its lock. `maxRecords: 1` reads the header alone. Throws `journal-not-found`. */
  readRun(runId: string, opts?: { maxRecords?: number }): Promise<RunRecords>;
  /**
   * Several runs' records at once (every run when `runIds` is absent), oldest run first: what
   * `ferry status` and the earlier-run check read. A run that cannot be read is returned as its error.
   */
  readRuns(runIds?: readonly string[]): Promise<Map<string, RunRecords | Error>>;
  /** Every run id, oldest first (run ids sort by start time). */
  listRuns(): Promise<string[]>;
  /** Whether a live process holds the run, and who holds (or last held) it. */
  runLiveness(runId: string): Promise<RunLiveness>;
  /** Liveness of many runs in one go (status over a team's runs). */
  runsLiveness(runIds: readonly string[]): Promise<Map<string, RunLiveness>>;
  /** Who started each run and from which machine, where the backend keeps it (the database does; files do not). */
  runOrigins?(): Promise<Map<string, { by: string; host: string }>>;
  /**
   * Every run id, oldest first, with the listing kept for `ferry status` when it is the listing
   * of the journal's head as it stands (null otherwise: read the run's records). The database
   * keeps listings; files do not.
   */
  runListings?(): Promise<Map<string, string | null> | undefined>;
  /** Remove a run that has no record at all (it never started). The caller checks, under the start lock. */
  removeEmptyRun(runId: string): Promise<void>;

  /**
   * The project-wide lock a new run holds while it checks earlier runs and journals its
   * `run.started`, so of two runs sharing an application the second sees the first. Waits
   * while another run is in that instant; a dead holder's lock is freed.
   */
  takeStartLock(owner: string): Promise<HeldLock>;

  /** Keep a finished run's journal head outside its journal. Durable when this resolves. */
  recordHead(head: RecordedHead): Promise<void>;
  /** Every head recorded for a run, oldest first. */
  recordedHeads(runId: string): Promise<RecordedHead[]>;
  /** Where recorded heads are kept, for messages. */
  readonly headsLocation: string;

  /** When plan `hash` was first made where this state is kept (undefined: not made here). */
  planFirstMade(hash: string): Promise<string | undefined>;
  /** Record that plan `hash` was made now, unless it was made before. */
  recordPlanMade(hash: string, now?: Date): Promise<void>;

  /** Host keys pinned by `--accept-new`, as known_hosts lines (`name keytype base64`). */
  pinnedHostKeys(): Promise<string[]>;
  /** Pin a first-seen host key (a known_hosts line). Durable when this resolves. */
  pinHostKey(line: string): Promise<void>;

  /** Release connections and timers. Journals opened from it must be closed first. */
  close(): Promise<void>;
}
