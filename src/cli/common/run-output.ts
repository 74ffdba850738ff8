/**
 * How `run`, `resume` and `rollback` look on the operator's screen: the renderer of the event
 * stream (live view on a terminal, plain lines otherwise, NDJSON with `--json`), `--verbose`'s
 * pretty log, SIGINT/SIGTERM wired to the run (first: start nothing new; second: abort running
 * steps), and what to do next once the run stops.
 */
import type { DestinationStream } from "pino";
import { RunControl, type RunOutcome } from "../../engine/run.js";
import type { EventListener } from "../../engine/events.js";
import { ndjsonListener } from "../../engine/output/ndjson.js";
import { plainListener } from "../../engine/output/plain.js";
import type { ExecuteOptions } from "../../runs/session.js";
import { printable } from "../../model/printable.js";
import { whatNext } from "./what-next.js";

/** The output flags of a command that runs steps. */
export interface OutputFlags {
  json?: boolean;
  verbose?: boolean;
  acceptNew?: boolean;
}

/**
 * Where a run's side notes go besides its events: a line the live view keeps under its totals
 * (the forecast), and warnings kept in the scrollback. Under `--json` both go nowhere: the
 * caller writes its own JSON lines.
 */
export interface RunScreen {
  /** Replace the note line (the live view shows it under the totals; plain output prints it when it changes). */
  note(line: string): void;
  /** Print a warning line, kept in the scrollback. */
  print(line: string): void;
}

async function humanListener(json: boolean): Promise<{ listener: EventListener; stop(): void } & RunScreen> {
  if (json) return { listener: ndjsonListener(), stop() {}, note() {}, print() {} };
  // A terminal that reports no size (0×0 under some serial consoles and `script`) would get an
  // empty live view: it gets the plain lines instead.
  if (process.stdout.isTTY && process.stdout.rows > 0 && process.stdout.columns > 0) {
    const [{ createLogUpdate }, { liveView }] = await Promise.all([import("log-update"), import("../../engine/output/live.js")]);
    return liveView((s) => createLogUpdate(s), process.stdout);
  }
  let last = "";
  const write = (l: string) => void process.stdout.write(l);
  return {
    listener: plainListener(write),
    stop() {},
    note(line) {
      if (line !== last) write(`${line}\n`);
      last = line;
    },
    print(line) {
      write(`${line}\n`);
    },
  };
}

/**
 * Run `body` with the screen and signals wired as the flags say; undone afterwards whatever
 * happens, so a later command in the same process starts clean.
 */
export async function withTerminal(flags: OutputFlags, body: (exec: ExecuteOptions, screen: RunScreen) => Promise<RunOutcome>): Promise<RunOutcome> {
  const human = await humanListener(Boolean(flags.json));
  let pretty: DestinationStream | undefined;
  if (flags.verbose && process.stderr.isTTY) {
    const { default: pinoPretty } = await import("pino-pretty");
    pretty = pinoPretty({ destination: 2, colorize: true });
  }
  const control = new RunControl();
  const onSignal = (signal: NodeJS.Signals) => control.interrupt(signal);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await body({ listeners: [human.listener], control, pretty, acceptNew: Boolean(flags.acceptNew) }, human);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    human.stop();
  }
}

/**
 * What the operator must do next, in words: the steps to finish by hand (exit 3), uncertain
 * steps to inspect, gates to release and applications paused where they failed (exit 4), then
 * the one command to type next.
 */
export function nextSteps(outcome: RunOutcome, stateFlag: string): string {
  const { state, runId, exitCode } = outcome;
  const lines: string[] = [];
  for (const a of state.apps.values()) {
    if (a.status === "rollback-failed") {
      lines.push(`${a.id}: ROLLBACK FAILED. A person must finish these steps by hand: ${(a.manual ?? []).join(", ") || "(see ferry status)"}${a.reason ? `\n  why: ${a.reason}` : ""}`);
    }
    for (const s of a.steps.values()) {
      if (s.status === "uncertain") {
        lines.push(`${a.id}: step ${s.id} is UNCERTAIN: it may or may not have taken effect.\n  ${s.uncertainInspect ?? "Inspect it"}`.replaceAll("ferry resume RUN", `ferry resume ${runId}`));
      }
      if (s.status === "waiting" && a.status === "waiting") lines.push(`${a.id}: waiting for approval at ${s.id}`);
    }
    if (a.status === "paused") lines.push(`${a.id}: PAUSED where it failed, nothing undone${a.reason ? `\n  why: ${a.reason}` : ""}`);
  }
  const status = exitCode === 130 ? "interrupted; everything done so far is journalled" : outcome.status;
  return [`run ${runId}: ${status} (exit ${exitCode})`, ...lines, `next: ${whatNext(state, false, stateFlag)}`].join("\n") + "\n";
}

/** Print what to do next (on stderr under `--json`, where stdout carries the events) and return the run's exit code. */
export function finishRun(outcome: RunOutcome, flags: OutputFlags, stateFlag: string): number {
  (flags.json ? process.stderr : process.stdout).write(printable(nextSteps(outcome, stateFlag)));
  return outcome.exitCode;
}
