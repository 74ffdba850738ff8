/**
 * Issue 12, item 4: a resumed run keeps the failure budget it started with, an application
 * that had started is never "skipped" by the budget on resume (its completed steps would be
 * neither continued nor undone), and `ferry rollback` undoes every completed step with a
 * rollback, whatever its application's status, before it reports "rolled-back".
 */
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MemoryJournal } from "../harness/memory-journal.js";
import { approveGate, readRunState } from "../../src/engine/resume.js";
import { resumeRun, rollbackRun } from "../../src/engine/run.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { estate, prepareAll, realActions, runbook, runWith, silentLog } from "./helpers.js";

function setup(failPayroll: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-budget-"));
  const ledger = join(dir, "ledger");
  const mark = (what: string) => `echo {{ app.id }}:${what} >> ${ledger}`;
  const gated = runbook("gated", {
    steps: [
      { id: "prepare", local: { run: mark("prepare") }, rollback: { local: { run: mark("undo-prepare") } } },
      { id: "cab", approval: { message: "Cut over {{ app.id }}?" } },
      { id: "cutover", local: { run: mark("cutover") }, rollback: { local: { run: mark("undo-cutover") } } },
    ],
  });
  const plain = runbook("plain", {
    steps: [{ id: "go", local: { run: failPayroll ? `${mark("go")}; exit 1` : mark("go") }, rollback: { local: { run: mark("undo-go") } } }],
  });
  const est = estate([{ id: "revs" }, { id: "payroll" }]);
  const apps = [...prepareAll({ ...est, applications: [est.applications[0]!] }, gated), ...prepareAll({ ...est, applications: [est.applications[1]!] }, plain)];
  const lines = () => (existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean).sort() : []);
  const engine = (journal: MemoryJournal<RunEvent>) => ({ journal, actions: realActions(), estate: est, cwd: process.cwd(), log: silentLog });
  return { est, apps, lines, engine };
}

describe("failure budget and completed steps across resume and rollback", () => {
  it("resume uses the budget recorded at run start, so an approved application continues", async () => {
    const { est, apps, lines, engine } = setup(true);
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, realActions(), { journal, budget: { kind: "count", count: 5 }, concurrency: 1 });
    expect(first.state.started.options.maxFailures).toBe("5");
    expect(first.state.apps.get("revs")!.status).toBe("waiting");
    expect(first.state.apps.get("payroll")!.status).toBe("failed");
    await approveGate(journal, await readRunState(journal), { app: "revs", step: "cab", by: "cab-chair" });
    const second = await resumeRun(engine(journal), { runId: first.runId, operator: "tester", apps });
    expect(second.state.apps.get("revs")!.status).toBe("succeeded");
    expect(lines()).toContain("revs:cutover");
  });

  it("an application that had started is not skipped on resume when the budget is spent: it goes on", async () => {
    const { est, apps, lines, engine } = setup(true);
    const journal = new MemoryJournal<RunEvent>();
    // Budget 0 and both at once: payroll fails while revs waits at its gate.
    const first = await runWith(apps, est, realActions(), { journal, budget: { kind: "count", count: 0 }, concurrency: 2 });
    expect(first.state.apps.get("revs")!.status).toBe("waiting");
    await approveGate(journal, await readRunState(journal), { app: "revs", step: "cab", by: "cab-chair" });
    const second = await resumeRun(engine(journal), { runId: first.runId, operator: "tester", apps });
    expect(journal.events().filter((e) => e.type === "app.finished" && e.app === "revs" && e.status === "skipped")).toEqual([]);
    expect(second.state.apps.get("revs")!.status).toBe("succeeded");
    expect(lines()).toContain("revs:cutover");
  });

  it("ferry rollback undoes the completed steps of an application left waiting at a gate", async () => {
    const { est, apps, lines, engine } = setup(false);
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, realActions(), { journal });
    expect(first.state.apps.get("revs")!.status).toBe("waiting");
    expect(first.state.apps.get("payroll")!.status).toBe("succeeded");
    const undone = await rollbackRun(engine(journal), { runId: first.runId, operator: "tester", apps });
    expect(lines()).toEqual(["payroll:go", "payroll:undo-go", "revs:prepare", "revs:undo-prepare"]);
    expect(undone.status).toBe("rolled-back");
    expect(undone.state.apps.get("revs")!.status).toBe("rolled-back");
  });
});
