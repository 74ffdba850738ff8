/**
 * Issue 12, item 1: after kill -9 of ferry, a `local` step's process group keeps running. Resume
 * must not check or re-run the step while it runs: the group is journalled before the command
 * is let run, and resume waits for it (bounded by the step's timeout, then kills it) before it
 * checks; when that cannot be established the step is uncertain.
 */
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { beforeAll, describe, expect, it } from "vitest";
import { openJournal } from "../../src/journal/index.js";
import { createLocalAction } from "../../src/actions/local.js";
import { ActionError } from "../../src/actions/errors.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { resumeRun } from "../../src/engine/run.js";
import type { EngineOptions } from "../../src/engine/run.js";
import { slowApps, slowEstate } from "./fixtures/slow-markers.js";
import type { SlowOptions } from "./fixtures/slow-markers.js";
import { bundleChild, REPO, runChild } from "./run-child.js";

let bundle: string;
beforeAll(async () => {
  bundle = await bundleChild("orphan");
}, 60_000);

function lines(ledger: string): string[] {
  return existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean).sort() : [];
}

/** Run one application's single step `s1` (with a check) in a child killed as `kill` says, then resume at once in-process. */
async function killThenResume(kill: { crashOn: string; delayMs?: number }, opts: { sleep: number; steps?: string[]; engine?: Partial<EngineOptions> }) {
  const dir = mkdtempSync(join(tmpdir(), "ferry-orphan-"));
  const slow: SlowOptions = { ledger: join(dir, "ledger"), where: "local", apps: ["a1"], sleep: opts.sleep, steps: opts.steps ?? ["s1"] };
  const stateDir = join(dir, "state");
  const child = await runChild(bundle, { stateDir, runId: "r", mode: "start", slow, ...kill });
  expect(child.killed).toBe(true);
  const journal = await openJournal<RunEvent>(stateDir, "r", { mode: "resume" });
  try {
    const out = await resumeRun(
      { journal, actions: { local: createLocalAction({ killGraceMs: 200 }) }, estate: slowEstate(slow), cwd: REPO, log: pino({ level: "silent" }), ...opts.engine },
      { runId: "r", operator: "op", apps: slowApps(slow) },
    );
    const events = (await journal.records()).map((r) => r.event);
    return { out, events, ledger: lines(slow.ledger) };
  } finally {
    await journal.close();
  }
}

describe("a local step left running by a killed ferry", () => {
  it("is waited for before its check runs, so it is not run twice (3 s step killed at 1 s, resumed at once)", async () => {
    const t0 = Date.now();
    const r = await killThenResume({ crashOn: "step.started", delayMs: 1000 }, { sleep: 3 });
    expect(r.ledger).toEqual(["run:s1:a1"]);
    expect(r.out.state.apps.get("a1")!.steps.get("s1")!.status).toBe("succeeded");
    expect(r.events.find((e) => e.type === "step.orphan")).toMatchObject({ outcome: "exited" });
    expect(r.events.find((e) => e.type === "step.succeeded")).toMatchObject({ via: "check" });
    expect(Date.now() - t0).toBeGreaterThan(2900);
  }, 20_000);

  it("journals the process group before the command runs: killed in between, the command never ran and runs once on resume", async () => {
    // s2 has no check: without the guarantee it would be uncertain.
    const r = await killThenResume({ crashOn: "step.started" }, { sleep: 0.1, steps: ["s1", "s2"] });
    expect(r.ledger).toEqual(["run:s1:a1", "run:s2:a1"]);
    expect(r.events.filter((e) => e.type === "step.uncertain")).toEqual([]);
    expect(r.events.find((e) => e.type === "step.attempt.failed")).toMatchObject({ step: "s1", error: { outcome: "not-started" } });
  }, 20_000);

  it("a resume killed right after it saw the orphan end does not take the attempt for one that never ran", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-orphan-"));
    const slow: SlowOptions = { ledger: join(dir, "ledger"), where: "local", apps: ["a1"], sleep: 0.8, steps: ["s1"] };
    const stateDir = join(dir, "state");
    expect((await runChild(bundle, { stateDir, runId: "r", mode: "start", slow, crashOn: "step.started", delayMs: 300 })).killed).toBe(true);
    expect((await runChild(bundle, { stateDir, runId: "r", mode: "resume", slow, crashOn: "step.orphan" })).killed).toBe(true);
    const journal = await openJournal<RunEvent>(stateDir, "r", { mode: "resume" });
    try {
      const out = await resumeRun(
        { journal, actions: { local: createLocalAction() }, estate: slowEstate(slow), cwd: REPO, log: pino({ level: "silent" }) },
        { runId: "r", operator: "op", apps: slowApps(slow) },
      );
      expect(out.state.apps.get("a1")!.status).toBe("succeeded");
    } finally {
      await journal.close();
    }
    expect(lines(slow.ledger)).toEqual(["run:s1:a1"]);
  }, 20_000);

  it("a resume killed between its check's verdict and acting on it checks again instead of running the step", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-orphan-"));
    const slow: SlowOptions = { ledger: join(dir, "ledger"), where: "local", apps: ["a1"], sleep: 0.6, steps: ["s1"] };
    const stateDir = join(dir, "state");
    expect((await runChild(bundle, { stateDir, runId: "r", mode: "start", slow, crashOn: "step.started", delayMs: 300 })).killed).toBe(true);
    expect((await runChild(bundle, { stateDir, runId: "r", mode: "resume", slow, crashOn: "step.checked" })).killed).toBe(true);
    const journal = await openJournal<RunEvent>(stateDir, "r", { mode: "resume" });
    try {
      const out = await resumeRun(
        { journal, actions: { local: createLocalAction() }, estate: slowEstate(slow), cwd: REPO, log: pino({ level: "silent" }) },
        { runId: "r", operator: "op", apps: slowApps(slow) },
      );
      expect(out.state.apps.get("a1")!.steps.get("s1")!.via).toBe("check");
    } finally {
      await journal.close();
    }
    expect(lines(slow.ledger)).toEqual(["run:s1:a1"]);
  }, 20_000);

  it("is killed once the wait runs out, and only then checked and run again", async () => {
    const r = await killThenResume({ crashOn: "step.process", delayMs: 200 }, { sleep: 1.5, engine: { orphanWaitMs: 300 } });
    expect(r.events.find((e) => e.type === "step.orphan"), JSON.stringify(r.events.map((e) => e.type))).toMatchObject({ outcome: "killed" });
    // Killed mid-sleep: the check finds no marker, so the step runs again, once, to the end.
    const checked = r.events.find((e) => e.type === "step.checked");
    expect(checked).toMatchObject({ tookEffect: false });
    expect(r.events.findIndex((e) => e.type === "step.orphan")).toBeLessThan(r.events.indexOf(checked!));
    expect(r.ledger).toEqual(["run:s1:a1"]);
  }, 20_000);

  it("is uncertain, neither checked nor re-run, when ferry cannot establish that its process group ended", async () => {
    const local = createLocalAction();
    const blind = { ...local, reap: () => Promise.reject(new ActionError("step-uncertain", "cannot look", { outcome: "unknown" })) };
    const r = await killThenResume({ crashOn: "step.process" }, { sleep: 0.5, engine: { actions: { local: blind } } });
    expect(r.events.filter((e) => e.type === "step.checked")).toEqual([]);
    expect(r.events.find((e) => e.type === "step.uncertain")).toMatchObject({ reason: expect.stringMatching(/could not establish that its process group \d+ has ended/) });
    expect(r.out.state.apps.get("a1")!.status).toBe("uncertain");
    await new Promise((res) => setTimeout(res, 800));
    expect(r.ledger.length).toBeLessThanOrEqual(1);
  }, 20_000);
});
