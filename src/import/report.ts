/** What an import did or would do, as data: the CLI renders it, tests assert on it. */
import type { Diagnostic } from "../model/diagnostics.js";
import type { SourceName } from "./proposal.js";

export type ChangeKind = "site" | "network" | "host" | "application" | "dependency";

export interface Change {
  kind: ChangeKind;
  id: string;
  /** The estate file the entry lives in. */
  file: string;
  what: "added" | "changed" | "removed" | "merged" | "manual";
  /** Fields changed, the entry merged with, the line to add by hand… */
  detail: string;
}

export interface ImportResult {
  source: SourceName;
  /** One line per input file: what was read. */
  read: string[];
  changes: Change[];
  /** Skipped rows, conflicts between sources, hand edits kept against a changed source. */
  warnings: Diagnostic[];
  /** Files that differ from what is on disk (written unless a dry run or refused). */
  files: string[];
  /** Errors the estate would have after the import; non-empty means nothing was written (unless forced). */
  invalid: Diagnostic[];
  written: boolean;
  dryRun: boolean;
}

const KIND_ORDER: ChangeKind[] = ["site", "network", "host", "application", "dependency"];

/** Changes in a stable order: kind, what, id. */
export function sortChanges(changes: Change[]): Change[] {
  return [...changes].sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || (a.what < b.what ? -1 : a.what > b.what ? 1 : 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.detail < b.detail ? -1 : 1));
}
