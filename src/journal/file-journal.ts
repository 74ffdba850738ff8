/**
 * The embedded journal: one append-only JSON-lines file per run,
 * `<state>/runs/<run-id>/journal.ndjson` (format in record.ts).
 *
 * Durability: `append` resolves only after its line is written and fdatasync'd. Appends that
 * arrive while a sync is in flight are batched into the next single write + fdatasync (group
 * commit), so concurrent callers share fsyncs but every caller still waits for its own record
 * to be on disk. A new journal is fsynced and then its directory (and each directory created
 * on the way), so the file itself survives a power cut.
 *
 * Failure: a failed write or fsync is fatal. After fsync reports an error the kernel may have
 * dropped the dirty pages and marked them clean ("fsyncgate"), so retrying could report success
 * for data that is gone. The journal enters a failed state: the batch in flight, everything
 * queued and every later append reject with JournalError `journal-io`. The run must stop and be
 * resumed after the cause is fixed; resume reads back what actually reached the disk.
 */
import { promises as fsp } from "node:fs";
import path from "node:path";
import { JournalError, errnoCode } from "./errors.js";
import { fsyncDir, nodeFs, O_APPEND, O_CREAT, O_EXCL, O_RDWR, O_WRONLY, type JournalFs } from "./fs.js";
import { readJournal } from "./read.js";
import { encodeRecordText, verifyChain, ZERO_HASH, type ChainAnchor } from "./record.js";
import { acquireRunLock, type RunLock } from "./run-lock.js";
import { ensurePrivateDir, FILE_MODE } from "./state-dir.js";
import type { Journal, JournalDamage, JournalRecord } from "./types.js";

export const JOURNAL_FILE = "journal.ndjson";
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface OpenJournalOptions {
  /** `create` a new run's journal (refused if it exists) or `resume` an existing one. */
  mode: "create" | "resume";
  /** Recorded in the run lock, for the message another operator sees. @default `${user}@${host}` */
  owner?: string;
  /**
   * Take the run lock `run-<runId>` for as long as the journal is open, so two processes never
   * append to one journal. @default true
   */
  lock?: boolean;
  /** Resume only: refuse unless the journal agrees with this externally kept head. */
  anchor?: ChainAnchor;
  /** Clock for record timestamps. @default () => new Date() */
  now?: () => Date;
  /** File-system seam (tests observe sync order or inject EIO). @default nodeFs */
  fs?: JournalFs;
}

/** Counters for benchmarks and `fsyncs per step` figures. */
export interface JournalStats {
  /** Records made durable. */
  records: number;
  /** write + fdatasync batches (one fdatasync each). */
  syncs: number;
  /** Largest batch. */
  maxBatch: number;
}

interface Pending<T> {
  /** The record's line, newline included (encoded to bytes with the rest of its batch). */
  line: string;
  record: JournalRecord<T>;
  resolve: (r: JournalRecord<T>) => void;
  reject: (e: unknown) => void;
}

/**
 * Refuse a run id that is not one: run ids name folders, so `../../etc` must never reach a path.
 * Throws JournalError `usage`.
 */
export function assertRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new JournalError("usage", `Invalid run id "${runId}": use letters, digits, dot, dash and underscore.`, { hint: "`ferry status` lists the runs." });
  }
}

/** `<stateDir>/runs/<runId>/journal.ndjson`, for a valid run id. */
export function journalPath(stateDir: string, runId: string): string {
  assertRunId(runId);
  return path.join(path.resolve(stateDir), "runs", runId, JOURNAL_FILE);
}

/** Run ids under `<stateDir>/runs` that have a journal, sorted (run ids sort by start time). */
export async function listRuns(stateDir: string): Promise<string[]> {
  const runs = path.join(path.resolve(stateDir), "runs");
  let names: string[];
  try {
    names = await fsp.readdir(runs);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw ioFailure(`Cannot list ${runs}`, runs, err);
  }
  const found = await Promise.all(names.filter((n) => RUN_ID.test(n)).map(async (n) => ((await fsp.stat(path.join(runs, n, JOURNAL_FILE)).catch(() => undefined))?.isFile() ? n : undefined)));
  return found.filter((n): n is string => n !== undefined).sort();
}

/**
 * Open a run's journal for appending. `create` makes the run directory and an empty journal
 * (durably); `resume` reads and verifies the existing one, drops a torn tail (truncating the
 * file back to the last good record, fsynced) and continues the chain after it.
 *
 * @example
 * const journal = await openJournal<RunEvent>(".ferry", runId, { mode: "create" });
 * await journal.append(event); // durable when this resolves
 * await journal.close();
 */
export async function openJournal<T = unknown>(stateDir: string, runId: string, opts: OpenJournalOptions): Promise<FileJournal<T>> {
  assertRunId(runId);
  const io = opts.fs ?? nodeFs;
  const state = path.resolve(stateDir);
  await ensurePrivateDir(state, { create: opts.mode === "create", fs: io });
  const lock = opts.lock === false ? undefined : await acquireRunLock(state, `run-${runId}`, { owner: opts.owner });
  try {
    return opts.mode === "create" ? await create<T>(io, state, runId, lock, opts) : await resume<T>(io, state, runId, lock, opts);
  } catch (err) {
    await lock?.release();
    throw err;
  }
}

async function create<T>(io: JournalFs, state: string, runId: string, lock: RunLock | undefined, opts: OpenJournalOptions): Promise<FileJournal<T>> {
  const runDir = path.join(state, "runs", runId);
  await ensurePrivateDir(path.join(state, "runs"), { create: true, fs: io });
  await ensurePrivateDir(runDir, { create: true, fs: io });
  const file = path.join(runDir, JOURNAL_FILE);
  let fd: number;
  try {
    fd = await io.open(file, O_WRONLY | O_CREAT | O_EXCL | O_APPEND, FILE_MODE);
  } catch (err) {
    if (errnoCode(err) === "EEXIST") {
      throw new JournalError("journal-exists", `Run ${runId} already has a journal at ${file}.`, { path: file, hint: `Resume it with \`ferry resume ${runId}\`, or start a new run.` });
    }
    throw ioFailure(`Cannot create ${file}`, file, err);
  }
  try {
    // The empty file, then the directory entry that names it: without the second, a crash can
    // leave synced records in a file that no longer has a name.
    await io.fsync(fd);
    await fsyncDir(io, runDir);
  } catch (err) {
    await io.close(fd).catch(() => undefined);
    throw ioFailure(`Cannot sync the new journal ${file}`, file, err);
  }
  return new FileJournal<T>({ io, file, fd, lock, head: { seq: 0, sum: ZERO_HASH }, length: 0, recovered: [], warnings: [], now: opts.now });
}

async function resume<T>(io: JournalFs, state: string, runId: string, lock: RunLock | undefined, opts: OpenJournalOptions): Promise<FileJournal<T>> {
  const runDir = path.join(state, "runs", runId);
  const file = path.join(runDir, JOURNAL_FILE);
  await ensurePrivateDir(path.join(state, "runs"), { fs: io }).catch(notFound(runId, file));
  await ensurePrivateDir(runDir, { fs: io }).catch(notFound(runId, file));
  let fd: number;
  try {
    fd = await io.open(file, O_RDWR | O_APPEND);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") throw notFoundError(runId, file);
    throw ioFailure(`Cannot open ${file}`, file, err);
  }
  try {
    const st = await io.fstat(fd);
    if (st.mode & 0o022) {
      throw new JournalError("state-dir-unsafe", `Run journal ${file} is writable by group or others (mode ${(st.mode & 0o777).toString(8)}).`, { path: file, hint: `Fix: chmod 600 ${file}` });
    }
    const contents = await readJournal<T>(file, { fs: io, limit: st.size });
    if (opts.anchor !== undefined) {
      const verdict = verifyChain(contents.records as JournalRecord[], opts.anchor);
      if (!verdict.ok) {
        throw new JournalError("journal-corrupt", `${file}: ${verdict.break.message}.`, { path: file, seq: verdict.break.seq, hint: "The journal does not match the head recorded elsewhere; do not resume from it until you know why." });
      }
    }
    try {
      if (contents.validLength < st.size) await io.ftruncate(fd, contents.validLength);
      // Sync even when nothing was cut: the previous process may have died between its write
      // and its fdatasync, and we are about to act on what we just read.
      await io.fsync(fd);
      await fsyncDir(io, runDir);
    } catch (err) {
      throw ioFailure(`Cannot repair ${file}`, file, err);
    }
    return new FileJournal<T>({ io, file, fd, lock, head: contents.head, length: contents.validLength, recovered: contents.records, warnings: contents.damage, now: opts.now });
  } catch (err) {
    await io.close(fd).catch(() => undefined);
    throw err;
  }
}

/** The append-only, group-committing journal of one run. Create it with `openJournal`. */
export class FileJournal<T = unknown> implements Journal<T> {
  /** Path of journal.ndjson. */
  readonly path: string;
  /** Records found when the journal was resumed (verified), so the engine need not read it twice. */
  readonly recovered: readonly JournalRecord<T>[];
  /** Damage found on resume: at most one `torn-tail` (already truncated away). */
  readonly warnings: readonly JournalDamage[];
  /** The run lock held while open (its `token` is the fencing token), if any. */
  readonly lock: RunLock | undefined;

  readonly #io: JournalFs;
  readonly #now: () => Date;
  #fd: number | undefined;
  #head: { seq: number; sum: string };
  /** Sequence number and sum of the last record handed out (durable or not). */
  #tail: { seq: number; sum: string };
  /** Bytes on disk and synced. */
  #durableLength: number;
  #queue: Pending<T>[] = [];
  #flushing = false;
  #failure: JournalError | undefined;
  #closed = false;
  #idle: (() => void)[] = [];
  #stats: JournalStats = { records: 0, syncs: 0, maxBatch: 0 };

  /** @internal use openJournal */
  constructor(init: {
    io: JournalFs;
    file: string;
    fd: number;
    lock: RunLock | undefined;
    head: { seq: number; sum: string };
    length: number;
    recovered: JournalRecord<T>[];
    warnings: JournalDamage[];
    now?: () => Date;
  }) {
    this.#io = init.io;
    this.path = init.file;
    this.#fd = init.fd;
    this.lock = init.lock;
    this.#head = init.head;
    this.#tail = init.head;
    this.#durableLength = init.length;
    this.recovered = init.recovered;
    this.warnings = init.warnings;
    this.#now = init.now ?? (() => new Date());
  }

  /** The run this journal belongs to: the name of its folder. */
  get runId(): string {
    return path.basename(path.dirname(this.path));
  }

  /** Where the journal is, for messages: its path. */
  get location(): string {
    return this.path;
  }

  /** The fencing token of the run lock held while open, if any. */
  get token(): number | undefined {
    return this.lock?.token;
  }

  /** Seq and sum of the last durable record (anchor it elsewhere to detect truncation later). */
  get head(): { seq: number; sum: string } {
    return { ...this.#head };
  }

  /** Set once a write or fsync failed; every append rejects with it from then on. */
  get failure(): JournalError | undefined {
    return this.#failure;
  }

  stats(): JournalStats {
    return { ...this.#stats };
  }

  append(event: T): Promise<JournalRecord<T>> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (this.#closed) return Promise.reject(new Error(`append after close of ${this.path}`));
    let encoded: ReturnType<typeof encodeRecordText<T>>;
    try {
      encoded = encodeRecordText(this.#tail.seq + 1, this.#now().toISOString(), this.#tail.sum, event);
    } catch (err) {
      return Promise.reject(err); // nothing written; the journal stays usable
    }
    this.#tail = { seq: encoded.record.seq, sum: encoded.record.sum };
    return new Promise<JournalRecord<T>>((resolve, reject) => {
      this.#queue.push({ line: encoded.text, record: encoded.record, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // Start on the next turn, not now: every append made by this turn's callbacks (say, 50
        // steps settling at once) then joins the first batch instead of waiting for the second.
        setImmediate(() => void this.#flush());
      }
    });
  }

  async #flush(): Promise<void> {
    while (this.#queue.length && !this.#failure) {
      const batch = this.#queue;
      this.#queue = [];
      let text = "";
      for (const p of batch) text += p.line;
      const bytes = Buffer.from(text, "utf8");
      try {
        await this.#writeAll(bytes);
        await this.#io.fdatasync(this.#fd!);
      } catch (err) {
        this.#fail(err, batch);
        break;
      }
      this.#durableLength += bytes.length;
      const last = batch[batch.length - 1]!.record;
      this.#head = { seq: last.seq, sum: last.sum };
      this.#stats.records += batch.length;
      this.#stats.syncs += 1;
      this.#stats.maxBatch = Math.max(this.#stats.maxBatch, batch.length);
      for (const p of batch) p.resolve(p.record);
    }
    this.#flushing = false;
    for (const wake of this.#idle.splice(0)) wake();
  }

  async #writeAll(bytes: Buffer): Promise<void> {
    for (let off = 0; off < bytes.length; ) {
      const n = await this.#io.write(this.#fd!, bytes, off, bytes.length - off);
      if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
      off += n;
    }
  }

  #fail(err: unknown, batch: Pending<T>[]): void {
    const code = errnoCode(err) ?? "error";
    this.#failure = new JournalError(
      "journal-io",
      `Writing the run journal ${this.path} failed (${code}: ${(err as Error).message}). The run stopped: records that were not confirmed may be lost, and ferry never retries a failed fsync.`,
      { path: this.path, cause: err, hint: code === "ENOSPC" ? "Free disk space, then `ferry resume` the run." : "Check the disk and kernel log, then `ferry resume` the run." },
    );
    for (const p of [...batch, ...this.#queue.splice(0)]) p.reject(this.#failure);
    const fd = this.#fd;
    this.#fd = undefined;
    if (fd !== undefined) void this.#io.close(fd).catch(() => undefined);
  }

  /**
   * Every durable record, verified. Right after opening (the resume path) this is the records
   * already read and verified by `openJournal`, at no extra cost; once records have been
   * appended it reads the durable prefix back from disk and verifies it again.
   */
  async records(): Promise<JournalRecord<T>[]> {
    if (this.#tail.seq === (this.recovered[this.recovered.length - 1]?.seq ?? 0)) return [...this.recovered];
    const contents = await readJournal<T>(this.path, { fs: this.#io, limit: this.#durableLength });
    if (contents.head.sum !== this.#head.sum && !this.#failure) {
      throw new JournalError("journal-corrupt", `${this.path}: read back head ${contents.head.seq} does not match the last record written (${this.#head.seq}).`, { path: this.path, seq: contents.head.seq });
    }
    return contents.records;
  }

  /** Wait for queued appends to become durable, close the file and release the run lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#flushing) await new Promise<void>((resolve) => this.#idle.push(resolve));
    const fd = this.#fd;
    this.#fd = undefined;
    try {
      if (fd !== undefined) await this.#io.close(fd);
    } finally {
      await this.lock?.release();
    }
  }
}

function ioFailure(what: string, file: string, err: unknown): JournalError {
  return new JournalError("journal-io", `${what}: ${(err as Error).message}`, { path: file, cause: err });
}

function notFoundError(runId: string, file: string): JournalError {
  return new JournalError("journal-not-found", `No journal for run ${runId} (looked for ${file}).`, { path: file, hint: "Check the run id and the --state directory; `ferry status` lists runs." });
}

function notFound(runId: string, file: string): (err: unknown) => never {
  return (err) => {
    if (err instanceof JournalError && err.code === "journal-not-found") throw notFoundError(runId, file);
    throw err;
  };
}
