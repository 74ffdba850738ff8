/**
 * Remove a run that never started: its journal exists but holds no record (ferry stopped
 * between creating the file and writing `run.started`), so nothing ran and nothing is lost.
 * A run with any record is never discarded: its journal is the only account of what changed.
 */
import { rm } from "node:fs/promises";
import { dirname } from "node:path";
import { FerryError } from "../model/codes.js";
import { journalPath } from "../journal/file-journal.js";
import { readJournal } from "../journal/read.js";
import { takeStartLock } from "./start.js";
import type { RunsContext } from "./context.js";

/** Delete run `runId`'s folder if its journal is empty; refuse otherwise. */
export async function discardRun(ctx: Pick<RunsContext, "stateDir" | "operator">, runId: string): Promise<void> {
  const path = journalPath(ctx.stateDir, runId);
  // Under the start lock: a run in the instant between creating its journal and writing its
  // first record holds it, so its empty journal is never taken for an abandoned one.
  const lock = await takeStartLock(ctx);
  try {
    const { records } = await readJournal(path);
    if (records.length > 0) {
      throw new FerryError("usage", `run ${runId} has ${records.length} journal record(s): it started, so it cannot be discarded`, `\`ferry status ${runId}\` shows it; resume or roll it back instead.`);
    }
    await rm(dirname(path), { recursive: true, force: true });
  } finally {
    await lock.release();
  }
}
