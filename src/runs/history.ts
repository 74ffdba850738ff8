/**
 * What earlier runs in the state directory say about a new run of a wave. `ferry run` always
 * starts a new run id; without this check, running a wave again after a crash (instead of
 * `ferry resume`) would repeat steps that already changed production.
 */
import { journalPath, listRuns } from "../journal/file-journal.js";
import { readJournal } from "../journal/read.js";
import { UsageError } from "../model/diagnostics.js";
import type { RunEvent, Status } from "../model/run-event.js";
import { foldEvents, type RunState } from "../engine/state.js";
import type { RunsContext } from "./context.js";

/**
 * Fold one run's journal, read without taking the run lock (so it works while the run goes
 * on). A torn last record is dropped and reported through `warn`.
 */
export async function readRun(stateDir: string, runId: string, warn?: RunsContext["warn"]): Promise<RunState> {
  const contents = await readJournal<RunEvent>(journalPath(stateDir, runId));
  for (const d of contents.damage) warn?.("journal-torn-tail", d.message);
  return foldEvents(contents.records.map((r) => r.event));
}

/** Every run in the state directory, oldest first. */
export async function readAllRuns(stateDir: string, warn?: RunsContext["warn"]): Promise<RunState[]> {
  return Promise.all((await listRuns(stateDir)).map((r) => readRun(stateDir, r, warn)));
}

/** True while a run can still do work: `ferry resume` would carry on with it. */
function isUnfinished(s: RunState): boolean {
  return !s.finished || s.status === "running" || s.status === "waiting" || s.status === "uncertain";
}

/** Outcomes after which an application may run again: nothing of it is left in place. */
const RERUNNABLE: readonly Status[] = ["pending", "failed", "rolled-back", "skipped"];

/** An application an earlier run of the same plan and wave still holds. */
export interface HeldApplication {
  app: string;
  runId: string;
  /** The application's status in that run. */
  status: Status;
  /** That run can still go on (`ferry resume` would run the application). */
  unfinished: boolean;
}

/**
 * The applications of `apps` that earlier runs of the same plan and wave hold: every one in a
 * run that is not finished (resuming it would run them), and in finished runs those that
 * succeeded or whose rollback failed (their change is in place).
 */
export async function heldApplications(stateDir: string, planHash: string, wave: number, apps: readonly string[]): Promise<HeldApplication[]> {
  const wanted = new Set(apps);
  const held: HeldApplication[] = [];
  for (const runId of await listRuns(stateDir)) {
    // The header says which plan and wave a run is of: only those runs are read in full.
    const [header] = (await readJournal<RunEvent>(journalPath(stateDir, runId), { maxRecords: 1 })).records;
    const started = header?.event;
    if (started?.type !== "run.started" || started.planHash !== planHash || started.wave !== wave || started.dryRun) continue;
    const s = await readRun(stateDir, runId);
    const unfinished = isUnfinished(s);
    for (const a of s.apps.values()) {
      if (!wanted.has(a.id)) continue;
      if (unfinished || !RERUNNABLE.includes(a.status)) held.push({ app: a.id, runId, status: a.status, unfinished });
    }
  }
  return held;
}

/** Refuse a new run of a wave whose applications an earlier run still holds, saying how to go on. */
export async function refuseHeldApplications(stateDir: string, planHash: string, wave: number, apps: readonly string[], stateFlag: string): Promise<void> {
  const held = await heldApplications(stateDir, planHash, wave, apps);
  if (held.length === 0) return;
  const lines = held.map((h) => `  ${h.app}: ${h.status} in run ${h.runId}${h.unfinished ? " (not finished)" : ""}`);
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
    `wave ${wave} of this plan already has runs holding ${held.length === 1 ? "an application" : `${held.length} applications`}; a new run would repeat their steps:\n${lines.join("\n")}`,
    "earlier-run",
    hints.join("\n  "),
  );
}
