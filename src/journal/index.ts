/** The journal's public surface, for the engine and CLI. */
export type { Journal, JournalDamage, JournalRecord } from "./types.js";
export { JournalError, type JournalErrorCode } from "./errors.js";
export { FileJournal, openJournal, journalPath, listRuns, JOURNAL_FILE, type OpenJournalOptions, type JournalStats } from "./file-journal.js";
export { readJournal, type JournalContents, type ReadJournalOptions } from "./read.js";
export { verifyChain, recordSum, ZERO_HASH, type ChainAnchor, type ChainBreak, type ChainVerdict } from "./record.js";
export { acquireRunLock, readRunLock, RunLockedError, type LockHolder, type RunLock, type AcquireRunLockOptions } from "./run-lock.js";
export { nodeFs, type JournalFs } from "./fs.js";
