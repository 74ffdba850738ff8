/**
 * The context steps run in: what every application of a run shares (`StepRunnerDeps`) and one
 * application's live state (`AppRun`). It sits apart from the code that runs steps so that the
 * step, approval, rollback and verify modules share it without importing one another.
 */
import type { Logger } from "pino";
import type { ActionOutput, ActionRegistry } from "../actions/types.js";
import type { Host } from "../model/estate.js";
import type { OnFailure } from "../model/run-event.js";
import type { EventStream } from "./events.js";
import type { PreparedApp } from "./prepare.js";

/** What every step of a run shares. */
export interface StepRunnerDeps {
  actions: ActionRegistry;
  events: EventStream;
  log: Logger;
  host(id: string): Host | undefined;
  /** Project directory. */
  cwd: string;
  /** First signal: start no new attempt. */
  stop: AbortSignal;
  /** Second signal: abort running actions. */
  abort: AbortSignal;
  /** Abortable sleep. @default defaultSleep (timers/promises setTimeout) */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Longest wait on resume for a process group a stopped ferry left running before it is
   * killed (orphan.ts). @default until the attempt's own timeout would have fired
   */
  orphanWaitMs?: number;
  /** What a failed application does: roll back (default) or pause where it failed (`--on-failure`). */
  onFailure?: OnFailure;
  /** Monotonic milliseconds for verify deadlines (tests pair it with `sleep`). @default performance.now */
  clock?: () => number;
}

/** One application's live context. */
export interface AppRun {
  prepared: PreparedApp;
  /** Real outputs of finished steps (the journal keeps redacted copies). */
  outputs: Map<string, ActionOutput>;
  log: Logger;
  /**
   * The last record this application appended without waiting for it (see `emitSoon`), or
   * undefined. Appends become durable in order, so once it is durable every earlier record
   * is too; `runActionOnce` awaits it before any action starts, and `runApplication` before
   * it returns.
   */
  durable?: Promise<unknown>;
}

/**
 * Append an event whose durability nothing depends on *yet*: a step's success, when the next
 * thing the application does is append another record (the next `step.started`, or
 * `app.finished`) and wait for that. Both then share one group commit instead of costing two
 * in a row; nothing acts on the success before it is durable, because the next action waits
 * for the later record (or for `run.durable`), and listeners still see it only once durable.
 */
export function emitSoon(deps: StepRunnerDeps, run: AppRun, input: Parameters<EventStream["emit"]>[0]): void {
  const p = deps.events.emit(input);
  // Awaited later through run.durable (or superseded by a later record, which fails with it);
  // the handler only keeps a journal failure from also surfacing as an unhandled rejection.
  p.catch(() => undefined);
  run.durable = p;
}

/** The sleep between retries and probes when `deps.sleep` is not given: ends early on abort. */
export async function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  const { setTimeout: wait } = await import("node:timers/promises");
  await wait(ms, undefined, { signal }).catch(() => undefined);
}
