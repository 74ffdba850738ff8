/** `--json`: every event as one JSON line, for pipelines. Events arrive already redacted. */
import type { EventListener } from "../events.js";

/** A listener writing NDJSON to `write` (process.stdout by default). */
export function ndjsonListener(write: (line: string) => void = (l) => void process.stdout.write(l)): EventListener {
  return (e) => write(`${JSON.stringify(e)}\n`);
}
