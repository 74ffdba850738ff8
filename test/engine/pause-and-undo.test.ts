/**
 * Issue 13, items 5 and 6 at the engine: `--on-failure pause` stops a failed application where
 * it failed (exit 4, `paused`), journalled in run.started so resume keeps it; `retryFailed`
 * runs the failed step (or health gate) again; `rollbackRun` undoes one application (`only`)
 * or a run in whatever state it stopped, settling steps a stopped ferry left in flight first.
 * Crashes are journals cut at a record, resumed as a new process would.
 */
import { describe, expect, it } from "vitest";
import { CommandFailedError } from "../../src/actions/errors.js";
import { resumeRun, rollbackRun } from "../../src/engine/run.js";
import { readRunState, settleStep } from "../../src/engine/resume.js";
import type { ActionRegistry } from "../../src/actions/types.js";
import type { Estate } from "../../src/model/estate.js";
import type { RunEvent } from "../../src/model/run-event.js";
import type { PreparedApp } from "../../src/engine/prepare.js";
import { MemoryJournal } from "../harness/memory-journal.js";
import { estate, prepareAll, runbook, runWith, scriptedLocal, silentLog, trace } from "./helpers.js";

const steps = runbook("three", {
  steps: [
    { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } },
    { id: "b", local: { run: "do b" }, check: { local: { run: "check b" } }, rollback: { local: { run: "undo b" } } },
    { id: "c", local: { run: "do c" }, rollback: { local: { run: "undo c" } } },
  ],
});

/** A scripted `local` that records each command and fails those in `failing` (a set the test changes). */
function script(failing: Set<string>, seen: string[], answers: Record<string, () => void> = {}): ActionRegistry {
  return {
    local: scriptedLocal((cmd) => {
      seen.push(cmd);
      answers[cmd]?.();
      if (failing.has(cmd)) throw new CommandFailedError(`${cmd}: exit 1`, { exitCode: 1 });
      return {};
    }),
  };
}

function engine(journal: MemoryJournal<RunEvent>, est: Estate, actions: ActionRegistry) {
  let t = 0;
  return { journal, actions, estate: est, cwd: process.cwd(), log: silentLog, sleep: async (ms: number) => void (t += ms), clock: () => t };
}

/** The events of `journal` up to and including the first that `cut` matches: a journal as a kill -9 there leaves it. */
function cutAfter(journal: MemoryJournal<RunEvent>, cut: (e: RunEvent) => boolean): MemoryJournal<RunEvent> {
  const events = journal.events();
  const at = events.findIndex(cut);
  expect(at, "the cut point is in the journal").toBeGreaterThanOrEqual(0);
  return new MemoryJournal<RunEvent>(events.slice(0, at + 1));
}

describe("--on-failure pause", () => {
  it("stops a failed application where it failed (exit 4, paused), undoes nothing, and journals the policy", async () => {
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, steps), est, script(new Set(["do b"]), seen), { onFailure: "pause" });
    expect(run.exitCode).toBe(4);
    expect(run.status).toBe("paused");
    expect(run.state.apps.get("revs")!.status).toBe("paused");
    expect(run.state.apps.get("revs")!.reason).toMatch(/step b failed: do b: exit 1/);
    expect(seen).toEqual(["do a", "do b"]);
    expect(run.events.some((e) => e.type === "rollback.started")).toBe(false);
    expect(run.state.started.options.onFailure).toBe("pause");
    expect(run.events.at(-1)).toMatchObject({ type: "run.finished", status: "paused", exitCode: 4 });
  });

  it("the default stays rollback, and is journalled as such", async () => {
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, steps), est, script(new Set(["do b"]), seen));
    expect(run.state.started.options.onFailure).toBe("rollback");
    expect(seen).toEqual(["do a", "do b", "undo a"]);
    expect(run.exitCode).toBe(1);
  });

  it("retryFailed runs the failed step again (its retry policy afresh); the resumed run keeps pausing; then rollback of the application undoes it", async () => {
    const est = estate([{ id: "revs" }]);
    const apps = prepareAll(est, steps);
    const failing = new Set(["do b"]);
    const seen: string[] = [];
    const actions = script(failing, seen);
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, actions, { journal, onFailure: "pause" });
    expect(first.exitCode).toBe(4);

    // The operator fixes b; c now fails: the policy comes from the journal, not the resume's options.
    failing.clear();
    failing.add("do c");
    const second = await resumeRun(engine(journal, est, actions), { runId: first.runId, operator: "tester", apps, retryFailed: ["revs"] });
    expect(second.exitCode).toBe(4);
    expect(second.state.apps.get("revs")!.status).toBe("paused");
    expect(seen).toEqual(["do a", "do b", "do b", "do c"]);
    expect(journal.events().find((e) => e.type === "run.resumed")).toMatchObject({ retryFailed: ["revs"] });
    expect(journal.events().filter((e) => e.type === "step.started" && e.step === "b").map((e) => (e as { attempt: number }).attempt)).toEqual([1, 2]);

    const undone = await rollbackRun(engine(journal, est, actions), { runId: first.runId, operator: "tester", apps, only: ["revs"] });
    expect(undone.exitCode).toBe(0);
    expect(undone.status).toBe("rolled-back");
    // c failed (not idempotent): only the completed steps are undone, latest first.
    expect(seen.slice(4)).toEqual(["undo b", "undo a"]);
    expect(undone.state.apps.get("revs")!.status).toBe("rolled-back");
  });

  it("pauses at a failed health gate, and retryFailed runs the health gate again, not the steps", async () => {
    const rb = runbook("v", {
      steps: [{ id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } }],
      verify: [{ id: "healthy", local: { run: "probe" }, consecutive: 1, interval: "1s", within: "3s" }],
    });
    const est = estate([{ id: "revs" }]);
    const apps = prepareAll(est, rb);
    const failing = new Set(["probe"]);
    const seen: string[] = [];
    const actions = script(failing, seen);
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, actions, { journal, onFailure: "pause" });
    expect(first.state.apps.get("revs")!.status).toBe("paused");
    expect(first.state.apps.get("revs")!.reason).toMatch(/^verify healthy failed/);
    expect(seen).not.toContain("undo a");
    failing.clear();
    const second = await resumeRun(engine(journal, est, actions), { runId: first.runId, operator: "tester", apps, retryFailed: ["revs"] });
    expect(second.exitCode).toBe(0);
    expect(seen.filter((c) => c === "do a")).toHaveLength(1);
    expect(seen.at(-1)).toBe("probe");
  });

  it("after a kill between the step's failure and the pause, resume pauses it again and never re-runs the failed step", async () => {
    const est = estate([{ id: "revs" }]);
    const apps = prepareAll(est, steps);
    const seen: string[] = [];
    const actions = script(new Set(["do b"]), seen);
    const whole = await runWith(apps, est, actions, { onFailure: "pause" });
    const journal = cutAfter(whole.journal, (e) => e.type === "step.failed");
    const resumed = await resumeRun(engine(journal, est, actions), { runId: whole.runId, operator: "tester", apps });
    expect(resumed.state.apps.get("revs")!.status).toBe("paused");
    expect(resumed.exitCode).toBe(4);
    expect(seen).toEqual(["do a", "do b"]);
  });

  it("a paused application counts against the failure budget: the next one does not start", async () => {
    const est = estate([{ id: "revs" }, { id: "payroll" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, steps), est, script(new Set(["do b"]), seen), { onFailure: "pause", concurrency: 1 });
    expect([...run.state.apps.values()].map((a) => a.status)).toEqual(["paused", "skipped"]);
    expect(run.status).toBe("paused");
  });
});

describe("rollbackRun on a run in any state", () => {
  /** Two applications, one at a time; the journal cut right after revs' step b started (a kill -9 mid-step). */
  async function interrupted(check: () => void) {
    const est = estate([{ id: "revs" }, { id: "payroll" }]);
    const apps: PreparedApp[] = prepareAll(est, steps);
    const seen: string[] = [];
    const whole = await runWith(apps, est, script(new Set(), []), { concurrency: 1 });
    const first = whole.events.find((e) => e.type === "app.started")!.app;
    const journal = cutAfter(whole.journal, (e) => e.type === "step.started" && e.app === first && e.step === "b");
    const actions = script(new Set(), seen, { "check b": check });
    return { est, apps, seen, journal, actions, runId: whole.runId, first };
  }

  it("settles a step left in flight by its check first, then undoes every completed step in reverse; an application that never started is skipped", async () => {
    const { est, apps, seen, journal, actions, runId, first } = await interrupted(() => undefined);
    const undone = await rollbackRun(engine(journal, est, actions), { runId, operator: "tester", apps });
    expect(undone.exitCode).toBe(0);
    expect(undone.status).toBe("rolled-back");
    expect(seen).toEqual(["check b", "undo b", "undo a"]);
    expect(trace(journal.events(), ["step.checked", "step.succeeded"]).slice(-2)).toEqual([`step.checked ${first} b`, `step.succeeded ${first} b`]);
    const other = [...undone.state.apps.values()].find((a) => a.id !== first)!;
    expect(other.status).toBe("skipped");
    expect(other.reason).toMatch(/never started: the run was rolled back/);
  });

  it("a step in flight whose check says it did not take effect is not undone; the steps before it are", async () => {
    const { est, apps, seen, journal, actions, runId, first } = await interrupted(() => {
      throw new CommandFailedError("not there", { exitCode: 1 });
    });
    const undone = await rollbackRun(engine(journal, est, actions), { runId, operator: "tester", apps });
    expect(undone.exitCode).toBe(0);
    expect(seen).toEqual(["check b", "undo a"]);
    expect(undone.state.apps.get(first)!.steps.get("b")!.status).toBe("failed");
  });

  it("a step in flight that cannot be settled leaves its application uncertain, listed for a person, with nothing undone (exit 4)", async () => {
    const est = estate([{ id: "revs" }]);
    const nocheck = runbook("nocheck", {
      steps: [
        { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } },
        { id: "b", local: { run: "do b" }, rollback: { local: { run: "undo b" } } },
      ],
    });
    const apps = prepareAll(est, nocheck);
    const whole = await runWith(apps, est, script(new Set(), []));
    const journal = cutAfter(whole.journal, (e) => e.type === "step.started" && e.step === "b");
    const seen: string[] = [];
    const undone = await rollbackRun(engine(journal, est, script(new Set(), seen)), { runId: whole.runId, operator: "tester", apps });
    expect(undone.exitCode).toBe(4);
    expect(undone.status).toBe("uncertain");
    expect(seen).toEqual([]);
    const app = undone.state.apps.get("revs")!;
    expect(app.status).toBe("uncertain");
    expect(app.manual).toEqual(["b"]);
    expect(app.steps.get("b")!.uncertainInspect).toContain("--step-done b");
  });

  it("undoes an idempotent step left in flight through its own rollback", async () => {
    const est = estate([{ id: "revs" }]);
    const idem = runbook("idem", {
      steps: [
        { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } },
        { id: "b", idempotent: true, local: { run: "do b" }, rollback: { local: { run: "undo b" } } },
      ],
    });
    const apps = prepareAll(est, idem);
    const whole = await runWith(apps, est, script(new Set(), []));
    const journal = cutAfter(whole.journal, (e) => e.type === "step.started" && e.step === "b");
    const seen: string[] = [];
    const undone = await rollbackRun(engine(journal, est, script(new Set(), seen)), { runId: whole.runId, operator: "tester", apps });
    expect(undone.exitCode).toBe(0);
    expect(seen).toEqual(["undo b", "undo a"]);
  });

  it("a rollback that failed goes on with the steps before it once a person settled it", async () => {
    const est = estate([{ id: "revs" }]);
    const apps = prepareAll(est, steps);
    const failing = new Set(["undo b"]);
    const seen: string[] = [];
    const actions = script(failing, seen);
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, actions, { journal });
    const failed = await rollbackRun(engine(journal, est, actions), { runId: first.runId, operator: "tester", apps });
    expect(failed.exitCode).toBe(3);
    expect(failed.state.apps.get("revs")!.manual).toEqual(["b", "a"]);
    await settleStep(journal, await readRunState(journal), { app: "revs", step: "b", outcome: "done", by: "a person" });
    const done = await resumeRun(engine(journal, est, actions), { runId: first.runId, operator: "tester", apps });
    expect(done.exitCode).toBe(0);
    expect(done.status).toBe("rolled-back");
    expect(seen.slice(3)).toEqual(["undo c", "undo b", "undo a"]);
  });

  it("undoes a paused run whole: the paused application and the ones that succeeded, latest first", async () => {
    const est = estate([{ id: "revs" }, { id: "payroll" }]);
    const apps = prepareAll(est, steps);
    const seen: string[] = [];
    const actions = script(new Set(), seen, {});
    const journal = new MemoryJournal<RunEvent>();
    // revs succeeds, then payroll pauses at c.
    const local = actions.local!;
    const failing: ActionRegistry = {
      local: {
        kind: "local",
        run: async (ctx, spec) => {
          if (spec.run === "do c" && seen.filter((c) => c === "do c").length === 1) {
            seen.push("do c");
            throw new CommandFailedError("do c: exit 1", { exitCode: 1 });
          }
          return local.run(ctx, spec as never);
        },
      },
    };
    const first = await runWith(apps, est, failing, { journal, onFailure: "pause", concurrency: 1, budget: { kind: "unlimited" } });
    const [done, paused] = [...first.state.apps.values()].sort((x, y) => (x.finishedAt ?? 0) - (y.finishedAt ?? 0));
    expect([done!.status, paused!.status]).toEqual(["succeeded", "paused"]);
    seen.length = 0;
    const undone = await rollbackRun(engine(journal, est, failing), { runId: first.runId, operator: "tester", apps });
    expect(undone.exitCode).toBe(0);
    expect(seen).toEqual(["undo b", "undo a", "undo c", "undo b", "undo a"]);
    expect([...undone.state.apps.values()].map((a) => a.status)).toEqual(["rolled-back", "rolled-back"]);
  });
});
