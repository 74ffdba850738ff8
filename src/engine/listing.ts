/**
 * What `ferry status` shows of a run in the list of every run: its plain-JSON state (the
 * `--json` view) and the count of applications per status. Made from a folded run, so the list
 * reads the same whether it folded the records now or a team database kept it from when the
 * run finished (a cache of the records, checked against the journal's head before use).
 */
import type { Status } from "../model/run-event.js";
import { countStatuses, stateToJson, type RunState } from "./state.js";

/** Changes whenever the listing's content changes: a kept listing of another version is not used. */
export const LISTING_VERSION = 1;

export interface RunListing {
  runId: string;
  status: string;
  finished: boolean;
  operator: string;
  wave?: number;
  rehearsal: boolean;
  counts: Partial<Record<Status, number>>;
  /** {@link stateToJson} of the run. */
  json: Record<string, unknown>;
}

export function listingOf(s: RunState): RunListing {
  return {
    runId: s.runId,
    status: s.status,
    finished: s.finished,
    operator: s.started.operator,
    ...(s.started.wave !== undefined ? { wave: s.started.wave } : {}),
    rehearsal: s.started.rehearsal === true,
    counts: countStatuses(s),
    json: stateToJson(s),
  };
}

/** The listing as kept beside the records. */
export function encodeListing(l: RunListing): string {
  return JSON.stringify({ v: LISTING_VERSION, ...l });
}

/** A kept listing, or undefined when it is of another version or not one at all (then the records are read). */
export function decodeListing(text: string): RunListing | undefined {
  let o: Partial<RunListing> & { v?: unknown };
  try {
    o = JSON.parse(text) as typeof o;
  } catch {
    return undefined;
  }
  if (o?.v !== LISTING_VERSION || typeof o.runId !== "string" || typeof o.status !== "string" || typeof o.finished !== "boolean" || typeof o.operator !== "string" || typeof o.rehearsal !== "boolean" || typeof o.counts !== "object" || o.counts === null || typeof o.json !== "object" || o.json === null) return undefined;
  if (o.wave !== undefined && typeof o.wave !== "number") return undefined;
  const { v: _v, ...listing } = o;
  return listing as RunListing;
}
