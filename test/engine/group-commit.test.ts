import { describe, expect, it } from "vitest";
import type { Journal, JournalRecord } from "../../src/journal/types.js";
import { MemoryJournal } from "../harness/memory-journal.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { estate, prepareAll, runbook, runWith, scriptedLocal } from "./helpers.js";

/**
 * A journal that commits like the file journal: appends queue up and become durable together
 * on the next turn of the event loop, or all fail together.
 */
class GroupCommitJournal implements Journal<RunEvent> {
  readonly inner = new MemoryJournal<RunEvent>();
  /** Event types of each commit, in order. */
  readonly batches: string[][] = [];
  private queue: { event: RunEvent; resolve: (r: JournalRecord<RunEvent>) => void; reject: (e: Error) => void }[] = [];
  private failed: Error | undefined;

  constructor(private readonly failWhen: (batch: RunEvent[]) => boolean = () => false) {}

  /** Records appended and not yet durable. */
  get unsynced(): number {
    return this.queue.length;
  }

  append(event: RunEvent): Promise<JournalRecord<RunEvent>> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      if (this.queue.push({ event, resolve, reject }) === 1) setImmediate(() => this.commit());
    });
  }

  private commit(): void {
    const batch = this.queue.splice(0);
    if (this.failWhen(batch.map((p) => p.event))) {
      this.failed = new Error("fdatasync failed (EIO)");
      for (const p of batch) p.reject(this.failed);
      return;
    }
    this.batches.push(batch.map((p) => `${p.event.type}${"step" in p.event ? ` ${p.event.step}` : ""}`));
    for (const p of batch) void this.inner.append(p.event).then(p.resolve);
  }

  /** The durable events, in order (what `runWith` reports). */
  events(): RunEvent[] {
    return this.inner.events();
  }

  records(): Promise<JournalRecord<RunEvent>[]> {
    return this.inner.records();
  }

  async close(): Promise<void> {}
}

const threeSteps = runbook("three", {
  steps: [
    { id: "a", local: { run: "do a" } },
    { id: "b", local: { run: "do b" } },
    { id: "c", local: { run: "do c" } },
  ],
});

describe("group commit in the engine", () => {
  it("starts no action before every record the run appended is durable", async () => {
    const est = estate([{ id: "revs" }, { id: "payroll" }]);
    const journal = new GroupCommitJournal();
    const unsyncedAtStart: number[] = [];
    const run = await runWith(prepareAll(est, threeSteps), est, {
      local: scriptedLocal(() => {
        unsyncedAtStart.push(journal.unsynced);
        return {};
      }),
    }, { journal: journal as unknown as MemoryJournal<RunEvent> });
    expect(run.exitCode).toBe(0);
    expect(unsyncedAtStart).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("commits a step's success together with the next step's start", async () => {
    const est = estate([{ id: "revs" }]);
    const journal = new GroupCommitJournal();
    const run = await runWith(prepareAll(est, threeSteps), est, { local: scriptedLocal(() => ({})) }, { journal: journal as unknown as MemoryJournal<RunEvent> });
    expect(run.exitCode).toBe(0);
    expect(journal.batches).toEqual([
      ["run.started"],
      ["app.started", "step.started a"],
      ["step.succeeded a", "step.started b"],
      ["step.succeeded b", "step.started c"],
      ["step.succeeded c", "app.finished"],
      ["run.finished"],
    ]);
    // The folded state saw every event, in journal order.
    expect(run.events.map((e) => `${e.type}${"step" in e ? ` ${e.step}` : ""}`)).toEqual(journal.batches.flat());
    expect(run.state.apps.get("revs")!.succeeded).toEqual(["a", "b", "c"]);
  });

  it("fails the run, not the process, when the commit holding a step's success fails", async () => {
    const est = estate([{ id: "revs" }]);
    const ran: string[] = [];
    const journal = new GroupCommitJournal((batch) => batch.some((e) => e.type === "step.succeeded" && e.step === "b"));
    await expect(
      runWith(prepareAll(est, threeSteps), est, { local: scriptedLocal((cmd) => {
        ran.push(cmd);
        return {};
      }) }, { journal: journal as unknown as MemoryJournal<RunEvent> }),
    ).rejects.toThrow(/fdatasync failed/);
    // c never started: its start record shared the failed commit.
    expect(ran).toEqual(["do a", "do b"]);
  });
});
