/**
 * What a finished shell command means for its step, decided the same way for every transport
 * that runs one (`local`, `ssh`): an exit status outside `expectExit` is a CommandFailedError
 * naming the command, the status it wanted and the tail of stderr; otherwise the output is the
 * trimmed stdout and stderr with the exit code, and with `json: true` stdout is parsed or the
 * step fails with `output-not-json`. Transports only gather the raw result, so the messages and
 * the output shape cannot drift apart between them.
 */
import { head, tail } from "./bounded-output.js";
import { ActionError, CommandFailedError } from "./errors.js";
import type { ActionOutput } from "./types.js";

/** A command that exited, or was killed by a signal, as its transport gathered it. */
export interface FinishedCommand {
  /** How messages name the command, e.g. "`systemctl stop iis`" or "`systemctl stop iis` on app01". */
  what: string;
  /** Undefined when a signal killed the command. */
  exitCode: number | undefined;
  /** The signal that killed it, if one did. */
  signal: string | undefined;
  /** All of stdout that was kept (up to the JSON limit when the spec asks for JSON). */
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
}

/** What the step's spec asks of the command, and the limits its transport applied. */
export interface CommandExpectations {
  /** Exit statuses that count as success. @default 0 */
  expectExit?: number | number[];
  /** Parse stdout as one JSON document into `outputs.json`. @default false */
  json?: boolean;
  /** The transport's limit on stdout for `json: true`, named when stdout went over it. */
  maxJsonBytes: number;
  /** Bytes of stdout (its tail) returned as `outputs.stdout`. @default all that was kept */
  maxStdoutBytes?: number;
}

/**
 * The step output of a finished command, or the error that fails the step.
 *
 * @example
 * return commandResult({ what: "`true`", exitCode: 0, signal: undefined, stdout: "", stderr: "", stdoutTruncated: false, stderrTruncated: false }, { maxJsonBytes: 4 << 20 });
 */
export function commandResult(cmd: FinishedCommand, want: CommandExpectations): ActionOutput {
  const expected = want.expectExit === undefined ? [0] : Array.isArray(want.expectExit) ? want.expectExit : [want.expectExit];
  if (cmd.exitCode === undefined || !expected.includes(cmd.exitCode)) {
    const how = cmd.exitCode === undefined ? `was killed by ${cmd.signal}` : `exited with ${cmd.exitCode}`;
    const wanted = expected.length === 1 ? `${expected[0]}` : `one of ${expected.join(", ")}`;
    const short = `Command ${cmd.what} ${how} (expected ${wanted})`;
    const stderrTail = tail(cmd.stderr);
    // Some tools report their errors on stdout: with nothing on stderr, its tail says why.
    const stdoutTail = stderrTail ? "" : tail(cmd.stdout);
    const why = stderrTail || (stdoutTail && `(stdout) ${stdoutTail}`);
    throw new CommandFailedError(why ? `${short}\n${why}` : short, { exitCode: cmd.exitCode, signal: cmd.signal, stderr: stderrTail });
  }
  const stdout = want.maxStdoutBytes === undefined ? cmd.stdout : tailBytes(cmd.stdout, want.maxStdoutBytes);
  const output: ActionOutput = { stdout: stdout.trim(), stderr: cmd.stderr.trim(), exitCode: cmd.exitCode };
  if (cmd.stdoutTruncated) output.stdoutTruncated = true;
  if (cmd.stderrTruncated) output.stderrTruncated = true;
  if (want.json) output.json = parseJsonOutput(cmd, want.maxJsonBytes);
  return output;
}

/** The last `maxBytes` bytes of `text` (stdout kept for JSON can be longer than the output shown). */
function tailBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  return Buffer.from(text).subarray(-maxBytes).toString("utf8");
}

function parseJsonOutput(cmd: FinishedCommand, maxJsonBytes: number): unknown {
  // A cut-off document would fail to parse with a misleading position: say why instead.
  if (cmd.stdoutTruncated) {
    throw new ActionError("output-not-json", `${cmd.what} printed more than ${maxJsonBytes} bytes; too large to parse as JSON`, {
      hint: "Print only the JSON document the later steps need.",
    });
  }
  try {
    return JSON.parse(cmd.stdout);
  } catch (err) {
    throw new ActionError("output-not-json", `${cmd.what} succeeded but its stdout is not JSON (${(err as Error).message}): ${head(cmd.stdout, 200) || "(empty)"}`, {
      hint: "The step has `json: true`: make the command print one JSON document on stdout and anything else on stderr.",
      cause: err,
    });
  }
}
