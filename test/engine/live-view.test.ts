/**
 * The live terminal view (log-update, on a stream that records what the terminal would get):
 * the note line under the totals (the wave's forecast) and warnings printed above the view.
 */
import { PassThrough } from "node:stream";
import { createLogUpdate } from "log-update";
import { describe, expect, it } from "vitest";
import { liveView } from "../../src/engine/output/live.js";
import { RUN_EVENT_VERSION, type RunEvent } from "../../src/model/run-event.js";

/** A stream that looks like an 80×24 terminal and keeps everything written to it. */
function terminal(): { stream: NodeJS.WriteStream; text(): string } {
  const pass = new PassThrough();
  let written = "";
  pass.on("data", (d: Buffer) => (written += d.toString()));
  Object.assign(pass, { isTTY: true, columns: 80, rows: 24 });
  return { stream: pass as unknown as NodeJS.WriteStream, text: () => written };
}

const started: RunEvent = {
  v: RUN_EVENT_VERSION,
  at: new Date().toISOString(),
  run: "r",
  type: "run.started",
  operator: "op",
  dryRun: false,
  runbooks: {},
  apps: [{ app: "payroll", runbook: "rb", hosts: [], steps: [] }],
  options: { concurrency: 1 },
};

describe("the live view", () => {
  it("shows the note under the totals and keeps printed warnings in the scrollback", async () => {
    const t = terminal();
    const view = liveView((s) => createLogUpdate(s), t.stream);
    view.listener(started);
    view.note("forecast: wave 1 ends about 22:45 GMT (1h05m00s left)");
    view.print("!!!!!!!! WARNING [rollback-decision-point]: roll back by 22:10");
    view.stop();
    await new Promise((r) => setImmediate(r));
    const out = t.text();
    expect(out).toContain("!!!!!!!! WARNING [rollback-decision-point]: roll back by 22:10\n");
    // The final frame: the application's row, the totals, then the note.
    expect(out).toMatch(/payroll +pending[^\n]*\n\n1 pending · \d+s\nforecast: wave 1 ends about 22:45 GMT \(1h05m00s left\)/);
  });
});
