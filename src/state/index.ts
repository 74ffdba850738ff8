/**
 * Choosing the state backend. `--state` (or `FERRY_STATE`) names either a folder (the file
 * backend, the default `<project>/.ferry`) or a PostgreSQL connection string. The PostgreSQL
 * client is loaded only when one is named, so commands on files never load it.
 */
import path from "node:path";
import { FileStateBackend } from "./file/backend.js";
import type { StateBackend } from "./backend.js";

export type { StateBackend, RunJournal, RunRecords, RunLiveness, LeaseHolder, HeldLock, RecordedHead, OpenRunOptions } from "./backend.js";
export { FileStateBackend } from "./file/backend.js";
export { withoutPasswords } from "./redact.js";

/** Whether `--state` names a PostgreSQL database rather than a folder. */
export function isDatabaseState(state: string | undefined): state is string {
  return state !== undefined && /^postgres(ql)?:\/\//i.test(state.trim());
}

/** The file backend of a state folder. Cached per folder: it holds nothing open. */
const fileBackends = new Map<string, FileStateBackend>();
export function fileState(stateDir: string): FileStateBackend {
  const key = path.resolve(stateDir);
  let b = fileBackends.get(key);
  if (!b) fileBackends.set(key, (b = new FileStateBackend(key)));
  return b;
}

/** Anything that names a state: a backend, or a state folder (the file backend). */
export type StateRef = StateBackend | string;

/** The backend a {@link StateRef} names. */
export function stateBackend(ref: StateRef): StateBackend {
  return typeof ref === "string" ? fileState(ref) : ref;
}
