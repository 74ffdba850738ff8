/**
 * What protects a run's journal from the outside: heads kept outside it, empty journals left by
 * a crash at the wrong instant, and run ids that would reach outside the state folder.
 */
import { readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { openJournal } from "../../src/journal/file-journal.js";
import { formatHead } from "../../src/journal/heads.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { resumeRunById, rollbackRunById } from "../../src/runs/continue.js";
import { discardRun } from "../../src/runs/discard.js";
import { readAllRuns, readRun, readRunAndHead } from "../../src/runs/history.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { ferry } from "../helpers/cli.js";
import { runProject } from "../cli/run-project.js";
import { refusal } from "../helpers/refusal.js";

let dir: string;
let ctx: RunsContext;
let plan: string;


const ledger = () => readFileSync(join(dir, "ledger"), "utf8").split("\n").filter(Boolean);

beforeEach(async () => {
  dir = runProject([{ id: "billing", runbook: "plain" }], {
    plain: `steps:
  - id: move
    local: { run: "echo run:move >> ledger" }
    rollback: { local: { run: "echo undo:move >> ledger" } }
`,
  });
  ctx = { dir, stateDir: join(dir, ".ferry"), operator: "operator", env: {} };
  plan = join(dir, "p.json");
  writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
  await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });
});

describe("journal heads kept outside the journal", () => {
  it("records a finished run's head in heads.ndjson, and refuses to resume a journal cut back to its header", async () => {
    const run = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }));
    const { head } = await readRunAndHead(ctx.stateDir, run.runId);
    const heads = readFileSync(join(ctx.stateDir, "heads.ndjson"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { run: string; seq: number; sum: string });
    expect(heads).toEqual([expect.objectContaining({ run: run.runId, seq: head.seq, sum: head.sum, status: "succeeded" })]);

    // Cut the journal back to its first record: it now reads like a run that never began.
    const journal = join(ctx.stateDir, "runs", run.runId, "journal.ndjson");
    truncateSync(journal, readFileSync(journal, "utf8").indexOf("\n") + 1);
    const err = await refusal(resumeRunById(ctx, run.runId));
    expect(err.code).toBe("journal-head-mismatch");
    expect(err.message).toContain(`ends at record 1`);
    expect((await refusal(rollbackRunById(ctx, run.runId))).code).toBe("journal-head-mismatch");
    expect(ledger()).toEqual(["run:move"]);
  });

  it("refuses a journal that does not reach the head given with --expect-head", async () => {
    const run = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }));
    const { head } = await readRunAndHead(ctx.stateDir, run.runId);
    const wrong = formatHead({ seq: head.seq, sum: "0".repeat(64) });
    expect((await refusal(resumeRunById(ctx, run.runId, { expectHead: wrong }))).code).toBe("journal-head-mismatch");
    expect((await refusal(resumeRunById(ctx, run.runId, { expectHead: "12" }))).code).toBe("usage");
    // The right head passes the check; the run is then simply finished.
    expect((await refusal(resumeRunById(ctx, run.runId, { expectHead: formatHead(head) }))).code).toBe("run-finished");
  });
});

describe("a journal left empty by a crash", () => {
  const EMPTY = "20270112-190000-aaaaaa";

  beforeEach(async () => {
    // What a kill between creating the journal and its first record leaves behind.
    const j = await openJournal<RunEvent>(ctx.stateDir, EMPTY, { mode: "create" });
    await j.close();
  });

  it("is reported with its code, and does not stop ferry status listing the other runs", async () => {
    const run = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }));
    const { runs, unreadable } = await readAllRuns(ctx.stateDir);
    expect(runs.map((r) => r.runId)).toEqual([run.runId]);
    expect(unreadable).toEqual([expect.objectContaining({ runId: EMPTY, code: "journal-empty", hint: `Discard it with \`ferry discard ${EMPTY}\`.` })]);
    expect((await refusal(readRun(ctx.stateDir, EMPTY))).code).toBe("journal-empty");
    expect((await refusal(resumeRunById(ctx, EMPTY))).code).toBe("journal-empty");
  });

  it("can be discarded, while a run that has records cannot", async () => {
    const run = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }));
    await discardRun(ctx, EMPTY);
    expect((await readAllRuns(ctx.stateDir)).unreadable).toEqual([]);
    expect((await refusal(discardRun(ctx, run.runId))).code).toBe("usage");
    expect((await readRun(ctx.stateDir, run.runId)).status).toBe("succeeded");
  });
});

describe("run ids", () => {
  it("never reach outside the state folder", async () => {
    for (const bad of ["../../etc", "a/../../b", "..", "/etc"]) {
      expect((await refusal(readRun(ctx.stateDir, bad))).code).toBe("usage");
      expect((await refusal(resumeRunById(ctx, bad))).code).toBe("usage");
    }
    const r = ferry(["status", "../../etc", "--dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Invalid run id "../../etc"');
  });
});
