/** `ferry logs RUN [--app A] [--step S] [--follow] [--json]`: a run's events and step output. */
import { printable } from "../model/printable.js";
import { readLog, type LogEntry } from "../runs/logs.js";
import { stateOf } from "../runs/context.js";
import { runsContext, type StateFlags } from "./common/flags.js";

export interface LogsFlags extends StateFlags {
  app?: string;
  step?: string;
  follow?: boolean;
  json?: boolean;
}

function line(e: LogEntry): string {
  const where = [e.app, e.step && `${e.step}${e.phase ? ` (${e.phase})` : ""}`].filter(Boolean).join(" ");
  const mark = e.output ? (e.output === "stderr" ? "! " : "| ") : e.level === "warn" || e.level === "error" ? "* " : "  ";
  return printable(`${e.at.slice(11, 19)} ${where ? `${where} ` : ""}${mark}${e.text}`);
}

export async function logsCommand(runId: string, flags: LogsFlags): Promise<number> {
  const state = stateOf(runsContext(flags));
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once("SIGINT", onSignal);
  try {
    await readLog(state, runId, { app: flags.app, step: flags.step }, (e) => process.stdout.write(flags.json ? JSON.stringify(e) + "\n" : line(e) + "\n"), {
      follow: flags.follow,
      signal: stop.signal,
    });
  } finally {
    process.off("SIGINT", onSignal);
  }
  return 0;
}
