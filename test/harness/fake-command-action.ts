import { abortError } from "../../src/actions/abort.js";
import { ActionError, CommandFailedError } from "../../src/actions/errors.js";
import type { Action, ActionContext, ActionOutput } from "../../src/actions/types.js";
import type { LocalSpec } from "../../src/model/runbook.js";

/** What the fake does for one command. */
export interface FakeBehaviour {
  stdout?: string;
  stderr?: string;
  /** @default 0 */
  exit?: number;
  /**
   * Start a fake background "process": print its pid on stdout, then run until aborted (the
   * pid counts as alive until then). Models `sleep 100 & echo $!; wait`.
   */
  hang?: boolean;
}

/**
 * An in-memory command action with the same contract as `local` and `ssh` (outputs,
 * classification, abort), for engine tests that must not spawn processes and for the
 * contract suite. Commands map to scripted behaviours; unknown commands fail loudly.
 */
export function createFakeCommandAction(script: Record<string, FakeBehaviour>): Action<"local"> & { alive(pid: number): boolean; runs: string[] } {
  const alive = new Set<number>();
  let nextPid = 900_000;
  const runs: string[] = [];
  return {
    kind: "local",
    runs,
    alive: (pid) => alive.has(pid),
    async run(ctx: ActionContext, spec: LocalSpec): Promise<ActionOutput> {
      if (ctx.signal.aborted) throw abortError(ctx.signal, "not started", "not-started");
      const b = script[spec.run];
      if (b === undefined) throw new ActionError("internal", `fake action has no script for \`${spec.run}\``);
      runs.push(spec.run);
      // Yield once, as a real transport would, so callers cannot rely on synchronous completion.
      await Promise.resolve();
      const stdout = b.stdout ?? "";
      if (b.hang) {
        const pid = nextPid++;
        alive.add(pid);
        ctx.onLine?.("stdout", String(pid));
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        alive.delete(pid);
        throw abortError(ctx.signal, `killed \`${spec.run}\``);
      }
      for (const line of stdout.split("\n").filter(Boolean)) ctx.onLine?.("stdout", line);
      for (const line of (b.stderr ?? "").split("\n").filter(Boolean)) ctx.onLine?.("stderr", line);
      const exitCode = b.exit ?? 0;
      const expected = spec.expectExit === undefined ? [0] : Array.isArray(spec.expectExit) ? spec.expectExit : [spec.expectExit];
      if (!expected.includes(exitCode)) {
        const stderr = (b.stderr ?? "").trim();
        throw new CommandFailedError(`Command \`${spec.run}\` exited with ${exitCode}\n${stderr}`, { exitCode, stderr });
      }
      const out: ActionOutput = { stdout: stdout.trim(), stderr: (b.stderr ?? "").trim(), exitCode };
      if (spec.json) out.json = JSON.parse(stdout);
      return out;
    },
  };
}
