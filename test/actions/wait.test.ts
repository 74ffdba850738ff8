import { describe, expect, it } from "vitest";
import { StepTimeoutError } from "../../src/actions/errors.js";
import { createWaitAction } from "../../src/actions/wait.js";
import { testContext, timeoutReason } from "../harness/action-context.js";

const wait = createWaitAction();

describe("wait action", () => {
  it("returns at once for 0s, without a timer", async () => {
    const out = wait.run(testContext(), "0s");
    // Resolved within the same macrotask: no timer was involved.
    let settled = false;
    void out.then(() => (settled = true));
    await Promise.resolve();
    await Promise.resolve();
    expect(settled).toBe(true);
    expect(await out).toEqual({ waitedMs: 0 });
  });

  it("waits for the duration, in either spelling", async () => {
    const started = performance.now();
    expect(await wait.run(testContext(), { for: "50ms" })).toEqual({ waitedMs: 50 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
  });

  it("is cut short by an abort, reporting a timeout as a timeout", async () => {
    const ctx = testContext();
    const pending = wait.run(ctx, "1h").catch((e: unknown) => e);
    ctx.controller.abort(timeoutReason());
    const err = await pending;
    expect(err).toBeInstanceOf(StepTimeoutError);
    expect(err).toMatchObject({ outcome: "not-started" });
  });

  it("is cut short by an operator abort", async () => {
    const ctx = testContext();
    const pending = wait.run(ctx, "1h").catch((e: unknown) => e);
    ctx.controller.abort(new Error("SIGINT twice"));
    expect(await pending).toMatchObject({ code: "aborted", aborted: true });
  });
});
