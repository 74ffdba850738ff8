import pino from "pino";
import { describe, expect, it } from "vitest";
import { ActionError } from "../../src/actions/errors.js";
import type { Action, ActionContext } from "../../src/actions/types.js";
import { runAttempt } from "../../src/engine/attempt.js";

const ctx: Omit<ActionContext, "signal"> = { log: pino({ level: "silent" }), host: () => undefined, secrets: new Map(), cwd: process.cwd() };

/** A `wait`-kind action that runs until its signal aborts, then rejects with the signal's reason unclassified. */
const hangs: Action = {
  kind: "wait",
  run: (c) => new Promise((_, reject) => c.signal.addEventListener("abort", () => reject(new Error(`stopped: ${String(c.signal.reason)}`)), { once: true })),
};

describe("runAttempt", () => {
  it("returns the action's output, having given it a live signal", async () => {
    const out = await runAttempt({ impl: { kind: "wait", run: async (c) => ({ aborted: c.signal.aborted }) }, ctx, spec: {}, timeoutMs: 1000 });
    expect(out).toEqual({ aborted: false });
  });

  it("times out by aborting the action's signal, and says so when the action did not", async () => {
    const err = await runAttempt({ impl: hangs, ctx, spec: {}, timeoutMs: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "timeout", timedOut: true, transient: true, outcome: "unknown", message: "timed out after 20ms" });
  });

  it("passes an outer abort through with its reason, not as a timeout", async () => {
    const outer = new AbortController();
    const attempt = runAttempt({ impl: hangs, ctx, spec: {}, timeoutMs: 60_000, signal: outer.signal });
    outer.abort(new Error("SIGINT (second)"));
    const err = await attempt.catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ActionError);
    expect((err as Error).message).toBe("stopped: Error: SIGINT (second)");
  });
});
