/**
 * The journal head of every finished run, outside the runs' own folders: one JSON line per
 * finished run (or finished rollback) appended to `<state>/heads.ndjson`, synced before the
 * command returns. A journal cut back or rewritten later no longer reaches the head recorded
 * here; the file is small and meant to be committed or shipped off the machine, where a person
 * with write access to `.ferry/` cannot quietly change it.
 */
import { open, readFile } from "node:fs/promises";
import path from "node:path";
import { errnoCode, JournalError } from "./errors.js";
import { FILE_MODE } from "./state-dir.js";

export const HEADS_FILE = "heads.ndjson";

/** One line of heads.ndjson. */
export interface RecordedHead {
  run: string;
  /** Sequence number of the journal's last record. */
  seq: number;
  /** Its `sum` (SHA-256 hex): the hash chain up to it is pinned by this. */
  sum: string;
  /** The run's status when its head was recorded. */
  status: string;
  at: string;
}

/** `SEQ:SUM`, the form `ferry status` prints and `ferry resume --expect-head` takes. */
export function formatHead(head: { seq: number; sum: string }): string {
  return `${head.seq}:${head.sum}`;
}

/** Append a finished run's head to `<stateDir>/heads.ndjson` and sync it. */
export async function recordHead(stateDir: string, head: RecordedHead): Promise<void> {
  const file = path.join(path.resolve(stateDir), HEADS_FILE);
  try {
    const fh = await open(file, "a", FILE_MODE);
    try {
      await fh.appendFile(JSON.stringify(head) + "\n");
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new JournalError("journal-io", `Cannot record the head of run ${head.run} in ${file}: ${(err as Error).message}`, { path: file, cause: err });
  }
}

/** Every head recorded for `run`, oldest first (a run that was resumed and finished again has several). */
export async function recordedHeads(stateDir: string, run: string): Promise<RecordedHead[]> {
  let text: string;
  try {
    text = await readFile(path.join(path.resolve(stateDir), HEADS_FILE), "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return [];
    throw err;
  }
  const heads: RecordedHead[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const h = JSON.parse(line) as RecordedHead;
      if (h.run === run) heads.push(h);
    } catch {
      // A torn last line (crash mid-append) is not a head.
    }
  }
  return heads;
}
