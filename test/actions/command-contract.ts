import { describe, expect, it } from "vitest";
import { ActionError, CommandFailedError, StepTimeoutError } from "../../src/actions/errors.js";
import type { Action, ActionContext, ActionOutput } from "../../src/actions/types.js";
import { testContext, timeoutReason } from "../harness/action-context.js";

/**
 * One transport under the command contract: `local`, `ssh` (a real sshd on loopback) or a
 * fake. The SSH suite calls `commandContract` with its own target.
 */
export interface CommandTarget {
  name: string;
  /** The action under test (may be shared across tests). */
  action(): Action<"local"> | Action<"ssh">;
  /** A spec running `run` on the target, e.g. `{ run }` or `{ host: "app01", run }`. */
  spec(run: string, extra?: { expectExit?: number | number[]; json?: boolean }): never;
  /** Context overrides (host lookup for ssh). */
  context?(): Partial<ActionContext>;
  /** Whether a process id reported by the command still runs (remote pids are local on loopback). */
  alive(pid: number): boolean | Promise<boolean>;
}

/** Commands the contract runs; a fake target scripts exactly these. */
export const CONTRACT_COMMANDS = {
  success: "printf 'hello\\n'; printf 'careful\\n' >&2",
  failure: "echo boom >&2; exit 3",
  json: `printf '{"version":"1.2.3","ports":[80,443]}\\n'`,
  background: "sleep 100 & echo $!; wait",
} as const;

async function run(target: CommandTarget, ctx: ActionContext, run: string, extra?: Parameters<CommandTarget["spec"]>[1]): Promise<ActionOutput> {
  return (target.action().run as (c: ActionContext, s: unknown) => Promise<ActionOutput>)(ctx, target.spec(run, extra));
}

/** The behaviour every command transport shares: output shape, failure classes, abort. */
export function commandContract(targets: CommandTarget[]): void {
  describe.each(targets)("the $name command action", (target) => {
    it("returns trimmed stdout, stderr and exit code 0, streaming each line", async () => {
      const ctx = testContext(target.context?.());
      const out = await run(target, ctx, CONTRACT_COMMANDS.success);
      expect(out).toMatchObject({ stdout: "hello", stderr: "careful", exitCode: 0 });
      expect(ctx.lines).toContainEqual({ stream: "stdout", line: "hello" });
      expect(ctx.lines).toContainEqual({ stream: "stderr", line: "careful" });
    });

    it("classifies an unexpected exit status as CommandFailedError with the code and stderr", async () => {
      const ctx = testContext(target.context?.());
      const err = await run(target, ctx, CONTRACT_COMMANDS.failure).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandFailedError);
      expect(err).toMatchObject({ code: "command-failed", exitCode: 3, outcome: "failed", transient: false });
      expect((err as CommandFailedError).message).toContain("boom");
    });

    it("accepts an exit status listed in expectExit", async () => {
      const out = await run(target, testContext(target.context?.()), CONTRACT_COMMANDS.failure, { expectExit: [0, 3] });
      expect(out.exitCode).toBe(3);
    });

    it("parses stdout as JSON when asked", async () => {
      const out = await run(target, testContext(target.context?.()), CONTRACT_COMMANDS.json, { json: true });
      expect(out.json).toEqual({ version: "1.2.3", ports: [80, 443] });
    });

    it("kills the command's processes when the step times out, and says it timed out", async () => {
      const ctx = testContext(target.context?.());
      const pending = run(target, ctx, CONTRACT_COMMANDS.background).catch((e: unknown) => e);
      const pid = Number(await ctx.firstLine());
      expect(await target.alive(pid)).toBe(true);
      ctx.controller.abort(timeoutReason());
      const err = await pending;
      expect(err).toBeInstanceOf(StepTimeoutError);
      expect(err).toMatchObject({ timedOut: true, outcome: "unknown" });
      expect(await eventually(async () => !(await target.alive(pid)))).toBe(true);
    });

    it("rejects without running anything when the signal is already aborted", async () => {
      const ctx = testContext(target.context?.());
      ctx.controller.abort(new Error("operator pressed Ctrl-C twice"));
      const err = await run(target, ctx, CONTRACT_COMMANDS.success).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ActionError);
      expect(err).toMatchObject({ aborted: true, outcome: "not-started" });
    });
  });
}

async function eventually(check: () => Promise<boolean>, withinMs = 3000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
