/** Plain progress lines for logs and pipes (not a TTY): one timestamped line per event. */
import type { EventListener } from "../events.js";
import { describeEvent } from "./describe.js";

export function plainListener(write: (line: string) => void = (l) => void process.stderr.write(l)): EventListener {
  return (e) => {
    const text = describeEvent(e);
    if (text !== undefined) write(`${e.at.slice(11, 19)} ${text}\n`);
  };
}
