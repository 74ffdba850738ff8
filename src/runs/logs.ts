/**
 * A run's log as an operator reads it: `<state>/runs/<run-id>/log.ndjson` holds every event and
 * every line of step output (redacted as it was written). Reading it needs no lock, so it works
 * while the run goes on; `follow` keeps reading until the run stops.
 */
import { open, stat } from "node:fs/promises";
import { join } from "node:path";
import { assertRunId } from "../journal/file-journal.js";
import { stateBackend, type StateRef } from "../state/index.js";
import { runIsLive } from "./history.js";
import { FerryError } from "../model/codes.js";

/** One line of the log, as much of it as a reader needs. */
export interface LogEntry {
  /** ISO time. */
  at: string;
  app?: string;
  step?: string;
  /** `stdout`/`stderr` for a line of step output; absent for an event. */
  output?: "stdout" | "stderr";
  /** `rollback`, `check`, … when not the step itself. */
  phase?: string;
  level: "debug" | "info" | "warn" | "error";
  text: string;
}

export interface LogFilter {
  app?: string;
  step?: string;
}

const LEVELS: Record<number, LogEntry["level"]> = { 20: "debug", 30: "info", 40: "warn", 50: "error" };

function entryOf(line: string): LogEntry | undefined {
  try {
    const o = JSON.parse(line) as { time?: number; level?: number; app?: string; step?: string; output?: "stdout" | "stderr"; phase?: string; msg?: string };
    return { at: new Date(o.time ?? 0).toISOString(), app: o.app, step: o.step, output: o.output, phase: o.phase, level: LEVELS[o.level ?? 30] ?? "info", text: o.msg ?? "" };
  } catch {
    return undefined; // a line being written right now; it is read whole on the next pass
  }
}

const wanted = (e: LogEntry, f: LogFilter) => (f.app === undefined || e.app === f.app) && (f.step === undefined || e.step === f.step);

/** The path of a run's log; refuses a run that has none. */
async function logPath(state: StateRef, runId: string): Promise<string> {
  assertRunId(runId);
  const path = join(stateBackend(state).localDir, "runs", runId, "log.ndjson");
  if (!(await stat(path).catch(() => undefined))) {
    throw new FerryError("journal-not-found", `run ${runId} has no log (looked for ${path})`, "`ferry status` lists the runs; check --state.");
  }
  return path;
}

/**
 * Every entry of the run's log that passes `filter`, in order, handed to `each`. With `follow`,
 * keeps reading as the log grows until the run holds no lock any more (it finished, stopped or
 * died) or `signal` aborts.
 */
export async function readLog(state: StateRef, runId: string, filter: LogFilter, each: (e: LogEntry) => void, opts: { follow?: boolean; signal?: AbortSignal; pollMs?: number } = {}): Promise<void> {
  const path = await logPath(state, runId);
  const fh = await open(path, "r");
  try {
    let offset = 0;
    let carry = "";
    for (;;) {
      const { size } = await fh.stat();
      if (size > offset) {
        const buf = Buffer.alloc(size - offset);
        await fh.read(buf, 0, buf.length, offset);
        offset = size;
        const lines = (carry + buf.toString("utf8")).split("\n");
        carry = lines.pop() ?? "";
        for (const line of lines) {
          const e = line ? entryOf(line) : undefined;
          if (e && wanted(e, filter)) each(e);
        }
      }
      if (!opts.follow || opts.signal?.aborted) return;
      // The run's lock is held for as long as a live process works on it.
      if (!(await runIsLive(state, runId))) {
        if ((await fh.stat()).size === offset) return;
        continue;
      }
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 250));
    }
  } finally {
    await fh.close();
  }
}
