import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ActionError, CommandFailedError, StepTimeoutError } from "../../src/actions/errors.js";
import { createLocalAction } from "../../src/actions/local.js";
import { testContext, timeoutReason } from "../harness/action-context.js";
import { processGone, processRunning } from "../harness/processes.js";

const local = createLocalAction({ killGraceMs: 300 });

describe("local action", () => {
  it("kills children and grandchildren when the step times out", async () => {
    const ctx = testContext();
    // A child, and a grandchild inside a subshell: both must die, not only the top shell.
    const pending = local.run(ctx, { run: "sleep 100 & echo $!; (sleep 100 & echo $!; wait) & wait" }).catch((e: unknown) => e);
    const pids = (await ctx.untilLine((_, i) => i === 1)).map(Number);
    expect(pids.every(processRunning)).toBe(true);
    ctx.controller.abort(timeoutReason());
    const err = await pending;
    expect(err).toBeInstanceOf(StepTimeoutError);
    expect((err as Error).message).toMatch(/^Timed out: killed the process group of `sleep 100/);
    for (const pid of pids) expect(await processGone(pid)).toBe(true);
  });

  it("sends SIGKILL after the grace period to processes that ignore SIGTERM", async () => {
    const ctx = testContext();
    const pending = local.run(ctx, { run: "trap '' TERM; sleep 100 & echo $!; wait; wait" }).catch((e: unknown) => e);
    const pid = Number(await ctx.firstLine());
    const started = Date.now();
    ctx.controller.abort(timeoutReason());
    expect(await pending).toBeInstanceOf(StepTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(await processGone(pid)).toBe(true);
  });

  it("reports an operator abort as aborted, not as a timeout", async () => {
    const ctx = testContext();
    const pending = local.run(ctx, { run: "echo started; sleep 100" }).catch((e: unknown) => e);
    await ctx.firstLine();
    ctx.controller.abort(new Error("second SIGINT"));
    const err = await pending;
    expect(err).toBeInstanceOf(ActionError);
    expect(err).not.toBeInstanceOf(StepTimeoutError);
    expect(err).toMatchObject({ code: "aborted", aborted: true, timedOut: false, outcome: "unknown" });
  });

  it("names the exit status, the expected one and the stderr tail when expectExit is not met", async () => {
    const err = await local.run(testContext(), { run: "echo 'disk full' >&2; exit 1", expectExit: 0 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect((err as Error).message).toBe("Command `echo 'disk full' >&2; exit 1` exited with 1 (expected 0)\ndisk full");
    expect(err).toMatchObject({ exitCode: 1, stderr: "disk full" });
  });

  it("reports a command killed by a signal with the signal name", async () => {
    const err = await local.run(testContext(), { run: "kill -9 $$" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandFailedError);
    expect(err).toMatchObject({ signal: "SIGKILL", exitCode: undefined });
    expect((err as Error).message).toContain("was killed by SIGKILL");
  });

  it("fails clearly when json is asked for and stdout is not JSON", async () => {
    const err = await local.run(testContext(), { run: "echo 'not json'", json: true }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "output-not-json" });
    expect((err as Error).message).toContain("succeeded but its stdout is not JSON");
    expect((err as Error).message).toContain("not json");
  });

  it("feeds stdin, sets env and resolves cwd against the project directory", async () => {
    const project = realpathSync(mkdtempSync(join(tmpdir(), "ferry-local-")));
    mkdirSync(join(project, "scripts"));
    const out = await local.run(testContext({ cwd: project }), {
      run: 'cat; echo; echo "$GREETING"; pwd',
      stdin: "from stdin",
      env: { GREETING: "hello from env" },
      cwd: "scripts",
    });
    expect(out.stdout).toBe(`from stdin\nhello from env\n${join(project, "scripts")}`);
  });

  it("keeps only the tail of a large output and says it was truncated", async () => {
    const small = createLocalAction({ maxOutputBytes: 1024 });
    const ctx = testContext();
    const out = await small.run(ctx, { run: "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done" });
    expect(Buffer.byteLength(out.stdout!)).toBeLessThanOrEqual(1024);
    expect(out.stdout!.endsWith("line-2999")).toBe(true);
    expect(out.stdoutTruncated).toBe(true);
    expect(ctx.lines).toHaveLength(3000);
  });

  it("streams a last line without a newline and strips carriage returns", async () => {
    const ctx = testContext();
    await local.run(ctx, { run: "printf 'one\\r\\ntwo'" });
    expect(ctx.lines.map((l) => l.line)).toEqual(["one", "two"]);
  });

  it("fails before running anything when the working directory does not exist", async () => {
    const err = await local.run(testContext(), { run: "true", cwd: "/nonexistent/ferry" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "spawn-failed", outcome: "not-started" });
  });

  it("passes secrets by environment, never on the command line", async () => {
    const canary = `canary-${createHash("sha256").update(String(Math.random())).digest("hex").slice(0, 24)}`;
    const ctx = testContext({ secrets: new Map([["API_TOKEN", canary]]) });
    // The engine renders a secret used in a command as "$FERRY_SECRET_X" and puts it in env.
    const spec = {
      run: 'printf %s "$API_TOKEN" | sha256sum; printf %s "$FERRY_SECRET_DB" | sha256sum; echo ready; sleep 100',
      env: { FERRY_SECRET_DB: `${canary}-db` },
    };
    const pending = local.run(ctx, spec).catch((e: unknown) => e);
    await ctx.untilLine((line) => line === "ready");
    const table = execFileSync("ps", ["-eo", "pid,args"], { encoding: "utf8" });
    expect(table).toContain("sleep 100");
    expect(table).not.toContain(canary);
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    expect(ctx.lines[0]!.line.startsWith(sha(canary))).toBe(true);
    expect(ctx.lines[1]!.line.startsWith(sha(`${canary}-db`))).toBe(true);
    ctx.controller.abort(timeoutReason());
    await pending;
  });
});
