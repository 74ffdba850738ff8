/**
 * Issue 12, item 7: a shell that provably never started (the kernel refused to exec it: E2BIG
 * for a value over 128 KiB) is a failed step ("not started"), not an uncertain one, and no
 * message carries the whole command.
 */
import { describe, expect, it } from "vitest";
import { createLocalAction } from "../../src/actions/local.js";
import { ActionError } from "../../src/actions/errors.js";
import { testContext } from "../harness/action-context.js";
import { estate, prepareAll, realActions, runbook, runWith } from "./helpers.js";

const BIG = "x".repeat(150 * 1024);

describe("a step whose shell cannot be started", () => {
  it("the local action reports E2BIG as not-started with a short message", async () => {
    const err = await createLocalAction().run(testContext(), { run: `echo ${BIG}` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "spawn-failed", outcome: "not-started" });
    expect((err as Error).message).toMatch(/not started/);
    expect((err as Error).message).toMatch(/E2BIG/);
    expect((err as Error).message.length).toBeLessThan(600);
  });

  it("the engine marks it failed (not started), never uncertain, and rolls back what completed", async () => {
    const rb = runbook("big", {
      inputs: { big: { type: "string" } },
      steps: [
        { id: "first", local: { run: "true" }, rollback: { local: { run: "true" } } },
        { id: "huge", local: { run: "echo {{ big }}" } },
      ],
    });
    const est = estate([{ id: "revs", params: { big: BIG } }]);
    const run = await runWith(prepareAll(est, rb), est, realActions());
    expect(run.events.filter((e) => e.type === "step.uncertain")).toEqual([]);
    const failed = run.events.find((e) => e.type === "step.failed" && e.step === "huge");
    expect(failed).toMatchObject({ error: { outcome: "not-started", code: "spawn-failed" } });
    for (const e of run.events) {
      if (e.type === "step.started") continue; // the journal keeps the command that was to run
      expect(JSON.stringify(e).length, e.type).toBeLessThan(4096);
    }
    expect(run.state.apps.get("revs")!.status).toBe("rolled-back");
  });
});
