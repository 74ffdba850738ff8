import pino from "pino";
import type { ActionContext } from "../../src/actions/types.js";

export interface TestContext extends ActionContext {
  /** Every streamed line, in order. */
  lines: { stream: "stdout" | "stderr"; line: string }[];
  controller: AbortController;
  /** Resolves with the first line on `stream` (already seen or yet to come). */
  firstLine(stream?: "stdout" | "stderr"): Promise<string>;
  /** Resolves once a line (already seen or yet to come) satisfies `match`, with all lines so far. */
  untilLine(match: (line: string, index: number) => boolean): Promise<string[]>;
}

/** An ActionContext for tests: silent logger, recorded lines, its own AbortController. */
export function testContext(overrides: Partial<ActionContext> = {}): TestContext {
  const controller = new AbortController();
  const lines: TestContext["lines"] = [];
  const waiting: { stream: string; resolve: (line: string) => void }[] = [];
  const watchers: (() => boolean)[] = [];
  return {
    signal: controller.signal,
    log: pino({ level: "silent" }),
    host: () => undefined,
    secrets: new Map(),
    cwd: process.cwd(),
    ...overrides,
    onLine: (stream, line) => {
      lines.push({ stream, line });
      for (const w of waiting.filter((x) => x.stream === stream)) {
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line);
      }
      for (const w of [...watchers]) if (w()) watchers.splice(watchers.indexOf(w), 1);
    },
    lines,
    controller,
    firstLine(stream = "stdout") {
      const seen = lines.find((l) => l.stream === stream);
      if (seen) return Promise.resolve(seen.line);
      return new Promise((resolve) => waiting.push({ stream, resolve }));
    },
    untilLine(match) {
      return new Promise((resolve) => {
        const check = () => {
          const found = lines.some((l, i) => match(l.line, i));
          if (found) resolve(lines.map((l) => l.line));
          return found;
        };
        if (!check()) watchers.push(check);
      });
    },
  };
}

/** The abort reason the engine uses for a step timeout. */
export function timeoutReason(): Error {
  return new DOMException("step timed out", "TimeoutError");
}
