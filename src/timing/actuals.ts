/**
 * What runbook steps actually took: measured from the timestamps every run's journal already
 * has, rehearsals (`ferry run --rehearsal`) and real runs alike. The planner reads the summary
 * (`readStepActuals`) in place of an estimate once a step has enough of them; `ferry timings`
 * shows the same figures per step, each kind of run labelled, against the estimates.
 *
 * A duration counts only when it measures the work and nothing else:
 *
 * - a step: from its first `step.started` to its `step.succeeded` with `via: action`, retries
 *   and their back-off included (they are part of what the step takes on the night);
 * - a precheck: from the previous mark of its application (`app.started` or the previous
 *   precheck's result) to its `precheck.passed`;
 * - a verify gate: from the previous mark (the application's last step or gate to finish) to
 *   its `verify.passed`;
 * - a rollback: from its first `rollback.started` to its `rollback.succeeded`, keyed
 *   `<step>:rollback`.
 *
 * Nothing that spans a `run.resumed` counts (the gap is a person's or a crash's, not the
 * step's: approval gates always do), nor a step an operator settled or a `check` probe found
 * done, nor anything that failed. Dry runs write no durations.
 */
import { FerryError, type ErrorCode } from "../model/codes.js";
import { stateBackend, type StateRef } from "../state/index.js";
import type { RunEvent } from "../model/run-event.js";
import type { EntryKind } from "./estimate.js";
import { actualsKey, rollbackStep, type StepActuals, type StepTiming } from "./types.js";

/** One measured execution of a runbook entry. */
export interface ActualSample {
  runId: string;
  app: string;
  runbook: string;
  /** The step, precheck or verify gate id; for a rollback, the step whose rollback it was. */
  step: string;
  kind: EntryKind;
  /** Measured in a rehearsal (`ferry run --rehearsal`) rather than a real run. */
  rehearsal: boolean;
  ms: number;
  /** ISO time it finished. */
  at: string;
}

/** A journal that could not be read; the others are measured all the same. */
export interface UnreadableJournal {
  runId: string;
  code: ErrorCode;
  message: string;
  hint?: string;
}

/** Every measured execution in a state directory, and the journals that could not be read. */
export interface ActualsReading {
  samples: ActualSample[];
  unreadable: UnreadableJournal[];
}

/** Where an application's next precheck or verify gate starts from. */
interface Mark {
  ms: number;
  epoch: number;
}

/**
 * The measured executions in one run's events, in journal order. Pure: the events are the
 * journal's, so the same journal always gives the same samples.
 */
export function samplesOfRun(events: readonly RunEvent[]): ActualSample[] {
  const header = events[0];
  if (header?.type !== "run.started" || header.dryRun) return [];
  const runbookOf = new Map(header.apps.map((a) => [a.app, a.runbook]));
  const rehearsal = header.rehearsal === true;
  const samples: ActualSample[] = [];
  // Bumped by every resume: an interval that spans one measures the gap, not the work.
  let epoch = 0;
  const marks = new Map<string, Mark>();
  const opened = new Map<string, Mark>();
  const add = (app: string, step: string, kind: EntryKind, from: Mark | undefined, e: RunEvent) => {
    const runbook = runbookOf.get(app);
    const to = Date.parse(e.at);
    if (!runbook || !from || from.epoch !== epoch || !Number.isFinite(to) || to < from.ms) return;
    samples.push({ runId: header.run, app, runbook, step, kind, rehearsal, ms: to - from.ms, at: e.at });
  };
  const mark = (app: string, e: RunEvent) => marks.set(app, { ms: Date.parse(e.at), epoch });
  for (const e of events) {
    switch (e.type) {
      case "run.resumed":
        epoch++;
        break;
      case "app.started":
        mark(e.app, e);
        break;
      case "precheck.passed":
        add(e.app, e.step, "precheck", marks.get(e.app), e);
        mark(e.app, e);
        break;
      case "precheck.failed":
        mark(e.app, e);
        break;
      case "step.started":
      case "rollback.started": {
        const key = `${e.type === "step.started" ? "s" : "r"}\u0000${e.app}\u0000${e.step}`;
        const open = opened.get(key);
        // A retry goes on measuring from the first attempt; one after a resume starts afresh.
        if (!open || open.epoch !== epoch) opened.set(key, { ms: Date.parse(e.at), epoch });
        break;
      }
      case "step.succeeded": {
        const key = `s\u0000${e.app}\u0000${e.step}`;
        if (e.via === "action") add(e.app, e.step, "step", opened.get(key), e);
        opened.delete(key);
        mark(e.app, e);
        break;
      }
      case "step.failed":
      case "step.uncertain":
        opened.delete(`${e.type === "step.uncertain" && e.phase === "rollback" ? "r" : "s"}\u0000${e.app}\u0000${e.step}`);
        break;
      case "rollback.succeeded": {
        const key = `r\u0000${e.app}\u0000${e.step}`;
        if (e.via === undefined || e.via === "action") add(e.app, e.step, "rollback", opened.get(key), e);
        opened.delete(key);
        break;
      }
      case "rollback.failed":
        opened.delete(`r\u0000${e.app}\u0000${e.step}`);
        break;
      case "verify.passed":
        add(e.app, e.verify, "verify", marks.get(e.app), e);
        mark(e.app, e);
        break;
      case "verify.failed":
        mark(e.app, e);
        break;
      default:
        break;
    }
  }
  return samples;
}

/**
 * The `q` quantile (0..1) of ascending `sorted`, interpolated linearly between the two nearest
 * ranks (what spreadsheets call PERCENTILE.INC): one sample is its own median and P90.
 */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Count, median and P90 of some durations, rounded to whole milliseconds. */
export function summarize(ms: readonly number[]): { count: number; p50Ms: number; p90Ms: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: Math.round(quantile(sorted, 0.5)), p90Ms: Math.round(quantile(sorted, 0.9)) };
}

/** The `actualsKey` a sample is summarised under (a rollback under `<step>:rollback`). */
export function sampleKey(s: Pick<ActualSample, "runbook" | "step" | "kind">): string {
  return actualsKey(s.runbook, s.kind === "rollback" ? rollbackStep(s.step) : s.step);
}

/** Samples grouped by `sampleKey`, in first-seen order. */
export function groupSamples(samples: readonly ActualSample[]): Map<string, ActualSample[]> {
  const groups = new Map<string, ActualSample[]>();
  for (const s of samples) {
    const key = sampleKey(s);
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return groups;
}

/** One `StepTiming` per step (and precheck, verify gate, rollback) measured at least once. */
export function stepActualsOf(samples: readonly ActualSample[]): StepActuals {
  const out = new Map<string, StepTiming>();
  for (const [key, group] of groupSamples(samples)) {
    const rehearsals = group.filter((s) => s.rehearsal).length;
    const { count, p50Ms, p90Ms } = summarize(group.map((s) => s.ms));
    out.set(key, { count, rehearsals, real: count - rehearsals, p50Ms, p90Ms });
  }
  return out;
}

/**
 * Every measured execution in the state's journals (a state folder, or a team's backend),
 * oldest run first. A journal that cannot be read (empty, damaged, unreadable) is listed under
 * `unreadable` with its code and what to do; the others are measured all the same.
 */
export async function readActuals(state: StateRef): Promise<ActualsReading> {
  const samples: ActualSample[] = [];
  const unreadable: UnreadableJournal[] = [];
  for (const [runId, contents] of await stateBackend(state).readRuns()) {
    try {
      if (contents instanceof Error) throw contents;
      samples.push(...samplesOfRun(contents.records.map((r) => r.event)));
    } catch (err) {
      if (!(err instanceof FerryError)) throw err;
      unreadable.push({ runId, code: err.code, message: err.message, ...(err.hint !== undefined ? { hint: err.hint } : {}) });
    }
  }
  return { samples, unreadable };
}

/**
 * The measured durations of every runbook step (precheck, verify gate, rollback) in the state
 * directory's journals, rehearsals and real runs together. Journals that cannot be read are
 * left out and passed to `unreadable`, when given.
 */
export async function readStepActuals(stateDir: StateRef, unreadable?: (u: UnreadableJournal) => void): Promise<StepActuals> {
  const reading = await readActuals(stateDir);
  if (unreadable) for (const u of reading.unreadable) unreadable(u);
  return stepActualsOf(reading.samples);
}
