import { describe, expect, it } from "vitest";
import { commandResult } from "../../src/actions/command-result.js";
import type { FinishedCommand } from "../../src/actions/command-result.js";
import { ActionError, CommandFailedError } from "../../src/actions/errors.js";

const finished = (over: Partial<FinishedCommand> = {}): FinishedCommand => ({
  what: "`deploy` on app01",
  exitCode: 0,
  signal: undefined,
  stdout: "",
  stderr: "",
  stdoutTruncated: false,
  stderrTruncated: false,
  ...over,
});

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("commandResult", () => {
  it("shows the tail of stdout when a failing command said nothing on stderr", () => {
    const err = thrown(() => commandResult(finished({ exitCode: 1, stdout: "checking...\nERROR: licence server unreachable\n" }), { maxJsonBytes: 100 }));
    expect(err).toMatchObject({ message: "Command `deploy` on app01 exited with 1 (expected 0)\n(stdout) checking...\nERROR: licence server unreachable" });
  });

  it("names every accepted exit status and the stderr tail when the status is not among them", () => {
    const err = thrown(() => commandResult(finished({ exitCode: 2, stderr: "disk full\n" }), { expectExit: [0, 1], maxJsonBytes: 100 }));
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err).toMatchObject({ exitCode: 2, message: "Command `deploy` on app01 exited with 2 (expected one of 0, 1)\ndisk full" });
  });

  it("says which signal killed a command that has no exit status", () => {
    const err = thrown(() => commandResult(finished({ exitCode: undefined, signal: "SIGKILL" }), { maxJsonBytes: 100 }));
    expect(err).toMatchObject({ code: "command-failed", signal: "SIGKILL", message: "Command `deploy` on app01 was killed by SIGKILL (expected 0)" });
  });

  it("returns trimmed output, the tail of stdout when asked, and the truncation flags", () => {
    const out = commandResult(finished({ stdout: "first\nlast\n", stderr: " warn \n", stderrTruncated: true }), { maxJsonBytes: 100, maxStdoutBytes: 5 });
    expect(out).toEqual({ stdout: "last", stderr: "warn", exitCode: 0, stderrTruncated: true });
  });

  it("refuses to parse stdout cut off at the JSON limit, naming the limit", () => {
    const err = thrown(() => commandResult(finished({ stdout: '{"a":', stdoutTruncated: true }), { json: true, maxJsonBytes: 5 }));
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "output-not-json", message: "`deploy` on app01 printed more than 5 bytes; too large to parse as JSON" });
  });

  it("parses stdout as JSON when asked", () => {
    expect(commandResult(finished({ stdout: '{"v":1}\n' }), { json: true, maxJsonBytes: 100 }).json).toEqual({ v: 1 });
  });
});
