/**
 * What of a step's outputs the journal keeps. The live run keeps the real outputs for later
 * templates; the journal gets a bounded copy (the event stream redacts it), so one step that
 * prints megabytes cannot bloat every resume that reads the journal back.
 */
import type { ActionOutput } from "../actions/types.js";

/** Longest string output journalled as it is; longer ones keep their start and an ellipsis. */
const MAX_JOURNALLED_CHARS = 4096;

/** The journal's copy of a step's outputs: undefined fields dropped, long strings cut. */
export function outputsForJournal(out: ActionOutput): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(out)) {
    if (v === undefined) continue;
    copy[k] = typeof v === "string" && v.length > MAX_JOURNALLED_CHARS ? `${v.slice(0, MAX_JOURNALLED_CHARS)}…` : v;
  }
  return copy;
}
