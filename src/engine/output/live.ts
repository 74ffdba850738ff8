/**
 * The live terminal view (log-update): one line per application with its current step,
 * attempt and elapsed time, totals at the bottom. Important events (failures, gates, uncertain
 * steps) are also printed above the view so they stay in the scrollback.
 */
import type { RunEvent, Status } from "../../model/run-event.js";
import type { EventListener } from "../events.js";
import { describeEvent } from "./describe.js";

interface Row {
  app: string;
  status: Status;
  step?: string;
  attempt?: number;
  since: number;
  finishedAt?: number;
}

export interface LiveView {
  listener: EventListener;
  /** Render the final frame and release the terminal. */
  stop(): void;
  /** A line shown under the totals (the wave's forecast end), replacing the previous one. */
  note(line: string): void;
  /** Print a line above the view, kept in the scrollback (a warning). */
  print(line: string): void;
}

const KEEP: ReadonlySet<string> = new Set([
  "step.failed",
  "step.uncertain",
  "rollback.failed",
  "gate.waiting",
  "app.finished",
  "precheck.failed",
  "verify.failed",
  "run.interrupted",
  "run.finished",
]);

/** A live view over `stream` (stderr by default). `logUpdate` is log-update's createLogUpdate. */
export function liveView(
  createLogUpdate: (stream: NodeJS.WriteStream) => { (...text: string[]): void; done(): void; clear(): void },
  stream: NodeJS.WriteStream = process.stderr,
): LiveView {
  const update = createLogUpdate(stream);
  const rows = new Map<string, Row>();
  const start = Date.now();
  let dirty = false;
  let noted = "";
  const secs = (ms: number) => `${Math.round(ms / 1000)}s`;
  const frame = () => {
    const now = Date.now();
    const lines = [...rows.values()].map((r) => {
      const step = r.step ? ` ${r.step}${r.attempt && r.attempt > 1 ? ` #${r.attempt}` : ""}` : "";
      return `${r.app.padEnd(24)} ${r.status.padEnd(15)}${step} ${secs((r.finishedAt ?? now) - r.since)}`;
    });
    const counts = new Map<string, number>();
    for (const r of rows.values()) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    lines.push("", `${[...counts].map(([k, v]) => `${v} ${k}`).join(" · ")} · ${secs(now - start)}`);
    if (noted) lines.push(noted);
    update(lines.join("\n"));
    dirty = false;
  };
  const timer = setInterval(() => dirty || rows.size ? frame() : undefined, 250);
  timer.unref();
  const on = (e: RunEvent) => {
    if (e.type === "run.started") for (const a of e.apps) rows.set(a.app, { app: a.app, status: "pending", since: Date.now() });
    if ("app" in e) {
      const r = rows.get(e.app) ?? { app: e.app, status: "pending" as Status, since: Date.now() };
      rows.set(e.app, r);
      if (e.type === "app.started") Object.assign(r, { status: "running", since: Date.now(), finishedAt: undefined });
      if (e.type === "step.started" || e.type === "rollback.started") Object.assign(r, { step: e.type === "rollback.started" ? `undo ${e.step}` : e.step, attempt: e.attempt });
      if (e.type === "gate.waiting") Object.assign(r, { status: "waiting", step: e.step });
      if (e.type === "app.finished") Object.assign(r, { status: e.status, finishedAt: Date.now() });
    }
    if (KEEP.has(e.type)) {
      const text = describeEvent(e);
      if (text) {
        update.clear();
        stream.write(`${text}\n`);
      }
    }
    dirty = true;
  };
  return {
    listener: on,
    stop() {
      clearInterval(timer);
      frame();
      update.done();
    },
    note(line) {
      if (line !== noted) dirty = true;
      noted = line;
    },
    print(line) {
      update.clear();
      stream.write(`${line}\n`);
      dirty = true;
    },
  };
}
