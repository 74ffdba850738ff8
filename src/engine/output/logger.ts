/**
 * The run's pino logger: JSON lines to `.ferry/runs/<id>/log.ndjson` (pretty on a TTY with
 * `--verbose`). Secrets are redacted twice: by path (fields that hold credentials by name)
 * and by value (every string through the run's Redactor), so a secret that reaches a log call
 * in any field or message is masked.
 */
import pino from "pino";
import type { Logger } from "pino";
import type { RunEvent } from "../../model/run-event.js";
import type { EventListener } from "../events.js";
import type { Redactor } from "../redact.js";
import { describeEvent } from "./describe.js";

/** Field names that hold credentials wherever they appear. */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "secret",
  "*.secret",
  "token",
  "*.token",
  "secrets",
  "*.secrets",
  "headers.authorization",
  "*.headers.authorization",
  "env",
  "*.env",
];

export interface RunLoggerOptions {
  /** Log file; none when omitted. */
  file?: string;
  /** A pino-pretty stream to also log to (TTY with --verbose); debug level. */
  pretty?: pino.DestinationStream;
  /** @default "info" */
  level?: pino.Level;
  redactor: Redactor;
}

/** Create the logger. Call `flush` before the process exits. */
export function createRunLogger(opts: RunLoggerOptions): { log: Logger; flush(): void } {
  const streams: pino.StreamEntry[] = [];
  let dest: pino.DestinationStream & { flushSync?: () => void } | undefined;
  if (opts.file) {
    dest = pino.destination({ dest: opts.file, mkdir: true, sync: false });
    streams.push({ stream: dest, level: opts.level ?? "info" });
  }
  if (opts.pretty) streams.push({ stream: opts.pretty, level: "debug" });
  const r = opts.redactor;
  const log = pino(
    {
      level: opts.pretty ? "debug" : (opts.level ?? "info"),
      redact: { paths: REDACT_PATHS, censor: "***" },
      formatters: { log: (obj) => r.deep(obj) },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => (typeof a === "string" ? r.text(a) : a)) as Parameters<typeof method>);
        },
      },
    },
    streams.length ? pino.multistream(streams) : pino.destination("/dev/null"),
  );
  return {
    log,
    flush() {
      try {
        dest?.flushSync?.();
      } catch {
        // not ready yet (nothing written): nothing to flush
      }
    },
  };
}

/** A listener logging every event with run/app/step bindings. */
export function loggerListener(log: Logger): EventListener {
  return (e: RunEvent) => {
    const bindings: Record<string, string> = {};
    if ("app" in e) bindings.app = e.app;
    if ("step" in e) bindings.step = e.step;
    const level = /failed|uncertain/.test(e.type) ? "warn" : e.type === "verify.probe" ? "debug" : "info";
    log[level]({ ...bindings, event: e }, describeEvent(e) ?? e.type);
  };
}
