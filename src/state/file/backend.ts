/**
 * The embedded state backend: one operator's state folder (`.ferry/` by default), exactly as
 * ferry kept it before there was a choice. Journals are `runs/<id>/journal.ndjson` (fsynced,
 * group-committed, torn tails dropped on resume), locks are `locks/<key>.lock` files whose
 * holder is checked by pid on this machine, heads are `heads.ndjson`, plans made are
 * `plans.ndjson`. Pinned host keys stay where the SSH actions read them,
 * `<project>/.ferry/known_hosts`.
 */
import { rm } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import { openJournal, journalPath, listRuns, type FileJournal } from "../../journal/file-journal.js";
import { readJournal } from "../../journal/read.js";
import { acquireRunLock, pidAlive, readRunLock, RunLockedError, type LockHolder } from "../../journal/run-lock.js";
import { HEADS_FILE, recordHead, recordedHeads, type RecordedHead } from "../../journal/heads.js";
import { planFirstMade, recordPlanMade } from "../../journal/plans-made.js";
import type { RunEvent } from "../../model/run-event.js";
import type { HeldLock, LeaseHolder, OpenRunOptions, RunJournal, RunLiveness, RunRecords, StateBackend } from "../backend.js";

/** The lock held while a new run checks earlier runs and journals its start. */
const START_LOCK = "run-start";
/** How long a start waits for another to finish starting: it holds the lock for milliseconds. */
const START_WAIT_MS = 15_000;

export class FileStateBackend implements StateBackend {
  readonly kind = "file" as const;
  readonly location: string;
  readonly localDir: string;
  readonly headsLocation: string;

  constructor(stateDir: string) {
    this.location = path.resolve(stateDir);
    this.localDir = this.location;
    this.headsLocation = HEADS_FILE;
  }

  createRun(runId: string, opts: OpenRunOptions): Promise<FileJournal<RunEvent>> {
    return openJournal<RunEvent>(this.location, runId, { mode: "create", owner: opts.owner });
  }

  openRun(runId: string, opts: OpenRunOptions): Promise<FileJournal<RunEvent>> {
    return openJournal<RunEvent>(this.location, runId, { mode: "resume", owner: opts.owner });
  }

  async readRun(runId: string, opts: { maxRecords?: number } = {}): Promise<RunRecords> {
    const file = journalPath(this.location, runId);
    const contents = await readJournal<RunEvent>(file, opts.maxRecords !== undefined ? { maxRecords: opts.maxRecords } : {});
    return { records: contents.records, head: contents.head, damage: contents.damage, location: file };
  }

  async readRuns(runIds?: readonly string[]): Promise<Map<string, RunRecords | Error>> {
    const out = new Map<string, RunRecords | Error>();
    for (const id of runIds ?? (await this.listRuns())) {
      try {
        out.set(id, await this.readRun(id));
      } catch (err) {
        out.set(id, err as Error);
      }
    }
    return out;
  }

  listRuns(): Promise<string[]> {
    return listRuns(this.location);
  }

  async runLiveness(runId: string): Promise<RunLiveness> {
    const holder = await readRunLock(this.location, `run-${runId}`);
    // A process on another machine cannot be checked from here: presumed alive.
    return { live: holder !== undefined && (holder.hostname !== hostname() || pidAlive(holder.pid)), ...(holder ? { holder: leaseHolder(holder) } : {}) };
  }

  async runsLiveness(runIds: readonly string[]): Promise<Map<string, RunLiveness>> {
    return new Map(await Promise.all(runIds.map(async (id) => [id, await this.runLiveness(id)] as const)));
  }

  async removeEmptyRun(runId: string): Promise<void> {
    await rm(path.dirname(journalPath(this.location, runId)), { recursive: true, force: true });
  }

  async takeStartLock(owner: string): Promise<HeldLock> {
    const deadline = Date.now() + START_WAIT_MS;
    for (;;) {
      try {
        return await acquireRunLock(this.location, START_LOCK, { owner });
      } catch (err) {
        if (!(err instanceof RunLockedError) || Date.now() > deadline) throw err;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 50));
      }
    }
  }

  recordHead(head: RecordedHead): Promise<void> {
    return recordHead(this.location, head);
  }

  recordedHeads(runId: string): Promise<RecordedHead[]> {
    return recordedHeads(this.location, runId);
  }

  planFirstMade(hash: string): Promise<string | undefined> {
    return planFirstMade(this.location, hash);
  }

  recordPlanMade(hash: string, now?: Date): Promise<void> {
    return recordPlanMade(this.location, hash, now);
  }

  /** The SSH actions read `<project>/.ferry/known_hosts` themselves; nothing extra is kept here. */
  async pinnedHostKeys(): Promise<string[]> {
    return [];
  }

  /** Unused with files: the SSH actions append to `<project>/.ferry/known_hosts` themselves. */
  async pinHostKey(): Promise<void> {}

  async close(): Promise<void> {}
}

function leaseHolder(h: LockHolder): LeaseHolder {
  return { owner: h.owner, hostname: h.hostname, pid: h.pid, started: h.started, token: h.token };
}

/** Type check: a file journal is a run journal. */
export type FileRunJournal = FileJournal<RunEvent> & RunJournal;
