import { describe, expect, it } from "vitest";
import { statusLine } from "../../src/cli/common/status-line.js";

function fakeTerminal(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 30, write: (s: string) => (writes.push(s), true) } };
}

describe("the status line", () => {
  it("writes nothing when the stream is not a terminal", () => {
    const t = fakeTerminal(false);
    const line = statusLine({ stream: t.stream, delayMs: 0 });
    line.update("reading estate/hosts.yaml (1/2)", true);
    line.done();
    expect(t.writes).toEqual([]);
  });

  it("stays quiet for short steps, thins out updates, always draws a phase change, and erases itself", () => {
    let now = 1000;
    const t = fakeTerminal(true);
    const line = statusLine({ stream: t.stream, delayMs: 300, intervalMs: 100, now: () => now });
    line.update("reading a (1/3)");
    line.done();
    expect(t.writes).toEqual([]); // ended within the delay: nothing shown, nothing to erase

    now += 400;
    line.update("reading b (2/3)");
    now += 10;
    line.update("reading c (3/3)"); // within the interval: skipped
    line.update("checking references and networks…", true);
    line.update("a line far longer than the thirty columns of this terminal", true);
    line.done();
    line.done();
    expect(t.writes).toEqual([
      "\r\x1b[Kreading b (2/3)",
      "\r\x1b[Kchecking references and netw…",
      "\r\x1b[Ka line far longer than the t…",
      "\r\x1b[K",
    ]);
  });
});
