import { spawn } from "node:child_process";
import type { ChildProcessByStdio } from "node:child_process";
import type { Readable, Writable } from "node:stream";
import { isAbsolute, resolve } from "node:path";
import { abortError } from "./abort.js";
import { head, LineSplitter, TailBuffer } from "./bounded-output.js";
import { commandResult } from "./command-result.js";
import { ActionError } from "./errors.js";
import { redactorOf } from "./redactor.js";
import { groupIdentity, reapGroup, signalGroup, terminateGroup } from "./process-tree.js";
import type { Action, ActionContext, ActionOutput, ReapResult } from "./types.js";
import type { ProcessRef } from "../model/run-event.js";
import type { LocalSpec } from "../model/runbook.js";

export interface LocalActionOptions {
  /** Bytes of stdout and of stderr kept for outputs and error messages (the tail). @default 65536 */
  maxOutputBytes?: number;
  /** Largest stdout accepted for `json: true`; larger output fails the step. @default 4194304 */
  maxJsonBytes?: number;
  /** Time between SIGTERM and SIGKILL to the process group on abort. @default 2000 */
  killGraceMs?: number;
  /** Shell used to run `spec.run`. @default "/bin/sh" */
  shell?: string;
}

/**
 * The `local` action: runs `spec.run` with `/bin/sh -c` on the machine running ferry.
 *
 * - The child leads its own process group, so on abort (timeout or operator) SIGTERM and
 *   then SIGKILL reach every process it started, not only the shell.
 * - Environment: ferry's environment, then every secret in `ctx.secrets` under its name, then
 *   `spec.env`. Secrets travel by environment (or `stdin`), never on the command line, where
 *   `ps` would show them to every local user.
 * - Output: each line goes to `ctx.onLine` as it arrives; the last `maxOutputBytes` of each
 *   stream are kept and returned trimmed. `json: true` parses stdout into `outputs.json`.
 * - The step finishes when the shell has exited and its stdout and stderr are closed; a
 *   background process that keeps them open keeps the step running (redirect its output).
 */
export function createLocalAction(opts: LocalActionOptions = {}): Action<"local"> {
  const maxOutput = opts.maxOutputBytes ?? 64 * 1024;
  const maxJson = opts.maxJsonBytes ?? 4 * 1024 * 1024;
  const graceMs = opts.killGraceMs ?? 2000;
  const shell = opts.shell ?? "/bin/sh";

  return {
    kind: "local",
    async run(ctx: ActionContext, spec: LocalSpec): Promise<ActionOutput> {
      const command = head(spec.run, 120);
      if (ctx.signal.aborted) throw abortError(ctx.signal, `\`${command}\` was not started`, "not-started");
      const cwd = spec.cwd === undefined ? ctx.cwd : isAbsolute(spec.cwd) ? spec.cwd : resolve(ctx.cwd, spec.cwd);
      const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(ctx.secrets), ...spec.env };

      // Gated (a step's or rollback's attempt): the shell first waits for one line on fd 3 and
      // runs the command only then, after the engine has journalled its process group. If ferry
      // dies before that line, fd 3 closes, `read` fails and the command never runs.
      const gated = ctx.started !== undefined;
      const argv = gated ? ["-c", GATE, shell, spec.run] : ["-c", spec.run];
      let child: ChildProcessByStdio<Writable, Readable, Readable>;
      try {
        child = spawn(shell, argv, { cwd, env, detached: true, stdio: ["pipe", "pipe", "pipe", gated ? "pipe" : "ignore"] }) as ChildProcessByStdio<Writable, Readable, Readable>;
      } catch (err) {
        // Node throws at once when the kernel refuses the exec (E2BIG, EINVAL…): the shell never
        // ran, so nothing can have taken effect.
        throw notStarted(command, cwd, shell, err as NodeJS.ErrnoException);
      }
      // Secrets are replaced in the stream before it is cut to its tail or split into lines.
      const redactor = redactorOf(ctx.secrets.values());
      const stdout = new TailBuffer(spec.json ? Math.max(maxJson, maxOutput) : maxOutput, redactor);
      const stderr = new TailBuffer(maxOutput, redactor);
      const outLines = new LineSplitter((line) => ctx.onLine?.("stdout", line), undefined, redactor);
      const errLines = new LineSplitter((line) => ctx.onLine?.("stderr", line), undefined, redactor);
      child.stdout.on("data", (chunk: Buffer) => {
        stdout.push(chunk);
        outLines.push(chunk);
      });
      child.stderr.on("data", (chunk: Buffer) => {
        stderr.push(chunk);
        errLines.push(chunk);
      });
      // A command that exits without reading stdin closes the pipe under us: EPIPE is not a failure.
      child.stdin.on("error", () => {});
      child.stdin.end(spec.stdin ?? "");

      let killing: Promise<unknown> | undefined;
      const onAbort = () => {
        killing = terminateGroup(child, { graceMs });
      };
      ctx.signal.addEventListener("abort", onAbort, { once: true });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolveExit, reject) => {
        child.once("error", reject);
        child.once("close", (code, signal) => resolveExit({ code, signal }));
      });
      exited.catch(() => undefined);

      if (gated) {
        const go = child.stdio[3] as Writable;
        go.on("error", () => {});
        try {
          if (child.pid === undefined) {
            // An asynchronous spawn failure (no such working directory): the reason follows.
            throw notStarted(command, cwd, shell, await exited.then(() => new Error("no process id"), (e: NodeJS.ErrnoException) => e));
          }
          await ctx.started!({ ...groupIdentity(child.pid) });
        } catch (err) {
          // Not journalled, so never let run: the shell reads EOF on fd 3 and exits unstarted.
          ctx.signal.removeEventListener("abort", onAbort);
          go.destroy();
          if (child.pid !== undefined) signalGroup(child.pid, "SIGKILL");
          await exited.catch(() => undefined);
          if (err instanceof ActionError) throw err;
          throw new ActionError("spawn-failed", `\`${command}\` was not started: ${(err as Error).message}`, { outcome: "not-started", cause: err });
        }
        if (killing !== undefined) {
          // Aborted while the group was being journalled: killed before it was let run.
          ctx.signal.removeEventListener("abort", onAbort);
          go.destroy();
          await killing;
          await exited.catch(() => undefined);
          throw abortError(ctx.signal, `\`${command}\` was not started`, "not-started");
        }
        go.end("go\n");
      }

      try {
        const result = await exited.catch((err: NodeJS.ErrnoException) => {
          throw notStarted(command, cwd, shell, err);
        });
        ctx.signal.removeEventListener("abort", onAbort);
        outLines.end();
        errLines.end();

        // Only an abort that arrived while the command ran counts: one after it finished is moot.
        if (killing !== undefined) {
          await killing;
          throw abortError(ctx.signal, `killed the process group of \`${command}\``);
        }

        return commandResult(
          {
            what: `\`${command}\``,
            exitCode: result.code ?? undefined,
            signal: result.signal ?? undefined,
            stdout: stdout.text(),
            stderr: stderr.text(),
            stdoutTruncated: stdout.truncated,
            stderrTruncated: stderr.truncated,
          },
          // stdout may have been kept up to maxJson for `json: true`; the output shows its tail.
          { expectExit: spec.expectExit, json: spec.json, maxJsonBytes: maxJson, maxStdoutBytes: maxOutput },
        );
      } finally {
        ctx.signal.removeEventListener("abort", onAbort);
      }
    },
    gated: true,
    async reap(ctx: ActionContext, proc: ProcessRef, reapOpts: { waitMs: number }): Promise<ReapResult> {
      if (proc.host !== undefined) throw new ActionError("step-uncertain", `process group ${proc.pgid} runs on ${proc.host}, not on this machine`, { outcome: "unknown" });
      const r = await reapGroup(proc, { waitMs: reapOpts.waitMs, graceMs, signal: ctx.signal });
      const secs = `${Math.round(r.waitedMs / 100) / 10}s`;
      if (r.outcome === "alive") {
        if (ctx.signal.aborted) throw abortError(ctx.signal, `waiting for process group ${proc.pgid}`, "unknown");
        throw new ActionError("step-uncertain", `process group ${proc.pgid} is still running after ${secs}, SIGTERM and SIGKILL`, {
          outcome: "unknown",
          hint: `Find out why process group ${proc.pgid} (ps -o pid,stat,cmd -g ${proc.pgid}) does not end.`,
        });
      }
      const detail =
        r.outcome === "gone" ? `process group ${proc.pgid} had already ended` : r.outcome === "exited" ? `process group ${proc.pgid} ended after ${secs}` : `process group ${proc.pgid} was still running after ${secs} and was killed`;
      return { outcome: r.outcome, detail };
    },
  };
}

/**
 * The gate run by `sh -c GATE sh COMMAND`: wait for the go line on fd 3, close it, then run the
 * command exactly as `sh -c COMMAND` would, in the same process (so the same process group).
 */
const GATE = 'IFS= read -r ferry_go <&3 || exit 125; exec 3<&-; exec "$0" -c "$1"';

/** The shell could not be spawned: the step provably did not start. `command` is already cut short. */
function notStarted(command: string, cwd: string, shell: string, err: NodeJS.ErrnoException): ActionError {
  const why =
    err.code === "ENOENT"
      ? `the working directory ${cwd} or the shell ${shell} does not exist`
      : err.code === "E2BIG"
        ? "E2BIG: the command line or the environment is larger than the system allows (one argument or variable may be at most 128 KiB); pass large values through a file or stdin"
        : (err.code ?? err.message);
  return new ActionError("spawn-failed", `\`${command}\` was not started: ${why}`, { outcome: "not-started", cause: err });
}
