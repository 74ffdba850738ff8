/**
 * What earlier runs in the state directory say about a new run of a wave. `ferry run` always
 * starts a new run id; without this check, running a wave again after a crash (instead of
 * `ferry resume`), or running another plan of the same applications, would repeat steps that
 * already changed production.
 */
import { JournalError } from "../journal/errors.js";
import type { JournalRecord } from "../journal/types.js";
import { stateBackend, type RunRecords, type StateRef } from "../state/index.js";
import { FerryError, type ErrorCode } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import type { RunEvent, Status } from "../model/run-event.js";
import { foldEvents, type RunState } from "../engine/state.js";
import { decodeListing, listingOf, type RunListing } from "../engine/listing.js";
import type { RunsContext } from "./context.js";

/**
 * Fold one run's journal, read without taking the run lock (so it works while the run goes
 * on). A torn last record is dropped and reported through `warn`.
 */
export async function readRun(state: StateRef, runId: string, warn?: RunsContext["warn"]): Promise<RunState> {
  return (await readRunAndHead(state, runId, warn)).state;
}

/** {@link readRun}, with the journal's head: its last record's seq and sum, to keep outside it. */
export async function readRunAndHead(state: StateRef, runId: string, warn?: RunsContext["warn"]): Promise<{ state: RunState; head: { seq: number; sum: string } }> {
  return foldRead(runId, await stateBackend(state).readRun(runId), warn);
}

function foldRead(runId: string, contents: RunRecords, warn?: RunsContext["warn"]): { state: RunState; head: { seq: number; sum: string } } {
  for (const d of contents.damage) warn?.("journal-torn-tail", d.message);
  return { state: foldRun(runId, contents.location, contents.records), head: contents.head };
}

/** A run's state from its journal's records; an empty or headless journal is named by run and path. */
export function foldRun(runId: string, path: string, records: readonly JournalRecord<RunEvent>[]): RunState {
  try {
    return foldEvents(records.map((r) => r.event));
  } catch (err) {
    if (!(err instanceof JournalError)) throw err;
    throw new JournalError(err.code, `run ${runId} (${path}): ${err.message}`, { path, hint: err.hint?.replaceAll("RUN", runId) });
  }
}

/**
 * Whether a process works on the run now: it holds the run's lock and, on this machine, is
 * alive. A run that is not finished and not live was interrupted (Ctrl-C, a crash, kill -9).
 */
export async function runIsLive(state: StateRef, runId: string): Promise<boolean> {
  return (await stateBackend(state).runLiveness(runId)).live;
}

/** A run whose journal cannot be read: empty, damaged, unreadable. */
export interface UnreadableRun {
  runId: string;
  code: ErrorCode;
  message: string;
  hint?: string;
}

/**
 * Every run in the state directory, oldest first. One empty or damaged journal does not hide
 * the others: it is listed under `unreadable` with its code and what to do.
 */
export async function readAllRuns(state: StateRef, warn?: RunsContext["warn"]): Promise<{ runs: RunState[]; unreadable: UnreadableRun[] }> {
  const folded = foldRuns(await stateBackend(state).readRuns(), warn);
  return { runs: [...folded.values()].filter((r): r is RunState => !("code" in r)), unreadable: [...folded.values()].filter((r): r is UnreadableRun => "code" in r) };
}

/** Each run folded, or why it cannot be, in the order read. */
function foldRuns(read: Map<string, RunRecords | Error>, warn?: RunsContext["warn"]): Map<string, RunState | UnreadableRun> {
  const out = new Map<string, RunState | UnreadableRun>();
  for (const [runId, contents] of read) {
    try {
      if (contents instanceof Error) throw contents;
      out.set(runId, foldRead(runId, contents, warn).state);
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      out.set(runId, { runId, code: err.code, message: err.message, hint: err.hint });
    }
  }
  return out;
}

/**
 * What `ferry status` lists of every run, oldest first: a run's kept listing where the backend
 * keeps one for the journal's head as it stands (a finished run in the database), else its
 * records read, checked and folded now. Both give the same listing; the kept one is only read
 * for this list, never for anything that acts on a run.
 */
export async function readRunListings(state: StateRef, warn?: RunsContext["warn"]): Promise<{ runs: RunListing[]; unreadable: UnreadableRun[] }> {
  const backend = stateBackend(state);
  const kept = await backend.runListings?.();
  if (!kept) {
    const { runs, unreadable } = await readAllRuns(backend, warn);
    return { runs: runs.map(listingOf), unreadable };
  }
  const runs: RunListing[] = [];
  const unreadable: UnreadableRun[] = [];
  const listings = new Map<string, RunListing>();
  for (const [runId, text] of kept) {
    const l = text === null ? undefined : decodeListing(text);
    if (l?.runId === runId) listings.set(runId, l);
  }
  const rest = [...kept.keys()].filter((id) => !listings.has(id));
  const folded = rest.length ? foldRuns(await backend.readRuns(rest), warn) : new Map<string, RunState | UnreadableRun>();
  for (const runId of kept.keys()) {
    const r = listings.get(runId) ?? folded.get(runId);
    if (!r) continue;
    if ("code" in r) unreadable.push(r);
    else runs.push("apps" in r ? listingOf(r) : r);
  }
  return { runs, unreadable };
}

/** True while a run can still do work: `ferry resume` would carry on with it. */
function isUnfinished(s: RunState): boolean {
  return !s.finished || s.status === "running" || s.status === "waiting" || s.status === "uncertain" || s.status === "paused";
}

/** Outcomes after which an application may run again: nothing of it is left in place. */
const RERUNNABLE: readonly Status[] = ["pending", "failed", "rolled-back", "skipped"];

/** An application an earlier run (of any plan or wave) still holds. */
export interface HeldApplication {
  app: string;
  runId: string;
  /** The application's status in that run. */
  status: Status;
  /** That run can still go on (`ferry resume` would run the application). */
  unfinished: boolean;
  /** Who started that run: the loser of a race is told who holds the application. */
  by?: string;
  /** Held through a host: another application of that unfinished run may still act on it. */
  via?: { app: string; host: string };
  /** That run is a rehearsal (`ferry run --rehearsal`), holding them only while it goes on. */
  rehearsal?: boolean;
}

export interface HeldOptions {
  /** The new run is a rehearsal (`ferry run --rehearsal`): only runs going on now hold its applications. */
  rehearsal?: boolean;
  /** Leave out this run (the one being resumed). */
  except?: string;
}

/**
 * The applications of `apps` that earlier runs hold, whichever plan and wave they ran: every
 * one in a run that is not finished (resuming it would run them), and in finished runs those
 * that succeeded or whose rollback failed (their change is in place). Two plans of the same
 * inputs (say the default one and a `--stack dev` one) name the same applications, and running
 * both would repeat every step; so the check is per application, not per plan.
 */
export async function heldApplications(state: StateRef, apps: readonly string[], hostsOf: ReadonlyMap<string, readonly string[]> = new Map(), opts: HeldOptions = {}): Promise<HeldApplication[]> {
  const wanted = new Set(apps);
  // Which wanted applications stand on each host: an unfinished run's application on the same
  // host may still act on it (a reboot, a re-address), so they must not run side by side.
  const onHost = new Map<string, string[]>();
  for (const [app, hosts] of hostsOf) if (wanted.has(app)) for (const h of hosts) onHost.set(h, [...(onHost.get(h) ?? []), app]);
  const held: HeldApplication[] = [];
  const backend = stateBackend(state);
  for (const runId of await backend.listRuns()) {
    if (runId === opts.except) continue;
    // The header lists a run's applications and their hosts: only runs that share one are read in full.
    const [header] = (await backend.readRun(runId, { maxRecords: 1 })).records;
    const started = header?.event;
    if (started?.type !== "run.started" || started.dryRun || !started.apps.some((a) => wanted.has(a.app) || a.hosts.some((h) => onHost.has(h)))) continue;
    const s = await readRun(backend, runId);
    const unfinished = isUnfinished(s);
    // A rehearsal changes a test environment and is not the wave having run: it holds its
    // applications and hosts only while a process works on it, and a new rehearsal is held back
    // only by runs going on now, never by what a real run left in place.
    const rehearsal = started.rehearsal === true;
    if ((rehearsal || opts.rehearsal) && !(unfinished && (await runIsLive(backend, runId)))) continue;
    const taken = new Set(held.map((h) => h.app));
    for (const a of s.apps.values()) {
      if (wanted.has(a.id) && (unfinished || !RERUNNABLE.includes(a.status))) {
        held.push({ app: a.id, runId, status: a.status, unfinished, by: s.started.operator, ...(rehearsal ? { rehearsal } : {}) });
        taken.add(a.id);
      }
      if (!unfinished || a.finished) continue;
      for (const host of a.planned.hosts) {
        for (const other of onHost.get(host) ?? []) {
          if (other === a.id || taken.has(other)) continue;
          held.push({ app: other, runId, status: a.status, unfinished, via: { app: a.id, host }, by: s.started.operator, ...(rehearsal ? { rehearsal } : {}) });
          taken.add(other);
        }
      }
    }
  }
  return held;
}

/**
 * Refuse to go on with a stopped run (`ferry resume`, `ferry rollback`) while another run works
 * on its applications or their hosts now. Only a rehearsal can have started on them meanwhile
 * (a stopped rehearsal holds nothing, and a stopped real run holds nothing from a rehearsal), and
 * the two must not act side by side.
 */
export async function refuseLiveNeighbours(state: StateRef, run: RunState, stateFlag: string): Promise<void> {
  const apps = run.started.apps;
  const held = await heldApplications(state, apps.map((a) => a.app), new Map(apps.map((a) => [a.app, a.hosts])), { rehearsal: true, except: run.runId });
  if (held.length === 0) return;
  const lines = held.map((h) => `  ${h.app}: ${h.via ? `shares host ${h.via.host} with ${h.via.app}, ` : ""}${h.status} in ${h.rehearsal ? "rehearsal " : ""}run ${h.runId}, going on now`);
  const others = [...new Set(held.map((h) => h.runId))];
  throw new UsageError(
    `run ${run.runId} cannot go on while another run works on its applications:\n${lines.join("\n")}`,
    "earlier-run",
    `Wait until ${others.map((r) => `run ${r}`).join(" and ")} has stopped (\`ferry status ${others[0]}${stateFlag}\`), then go on with run ${run.runId}.`,
  );
}

/** Refuse a new run of a wave whose applications an earlier run still holds, saying how to go on. */
export async function refuseHeldApplications(state: StateRef, wave: number, apps: readonly string[], stateFlag: string, hostsOf?: ReadonlyMap<string, readonly string[]>, opts: HeldOptions = {}): Promise<void> {
  const held = await heldApplications(state, apps, hostsOf, opts);
  if (held.length === 0) return;
  const runOf = (h: HeldApplication) => `${h.rehearsal ? "rehearsal " : ""}run ${h.runId}`;
  const lines = held.map((h) =>
    h.via
      ? `  ${h.app}: shares host ${h.via.host} with ${h.via.app}, ${h.status} in ${runOf(h)} (not finished)${h.by ? `, started by ${h.by}` : ""}`
      : `  ${h.app}: ${h.status} in ${runOf(h)}${h.unfinished ? " (not finished)" : ""}${h.by ? `, started by ${h.by}` : ""}`,
  );
  const unfinishedRuns = [...new Set(held.filter((h) => h.unfinished).map((h) => h.runId))];
  const heldIds = new Set(held.map((h) => h.app));
  const free = apps.filter((a) => !heldIds.has(a));
  const hints = [
    ...unfinishedRuns.map((r) => `Carry on with \`ferry resume ${r}${stateFlag}\` (or undo it with \`ferry rollback ${r}${stateFlag}\`); \`ferry status ${r}\` shows where it stopped.`),
    ...(held.some((h) => !h.unfinished) ? ["An application that succeeded (or whose rollback failed) runs again only after `ferry rollback RUN` has undone it."] : []),
    ...(free.length > 0 && free.length <= 20 ? [`To run the others now: --only ${free.join(",")}`] : []),
    ...(free.length > 20 ? [`To run the other ${free.length} applications now, list them with --only.`] : []),
  ];
  throw new UsageError(
    `earlier runs hold ${held.length === 1 ? "an application" : `${held.length} applications`} of wave ${wave}; a new run would repeat their steps:\n${lines.join("\n")}`,
    "earlier-run",
    hints.join("\n  "),
  );
}
