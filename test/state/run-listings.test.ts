/**
 * The listing `ferry status` keeps per finished run in the team database, against a real
 * server: after runs that succeed, fail, are interrupted and resumed it is the listing of the
 * folded records; one the run went on from is not used; `ferry state migrate` fills it in for
 * runs from before; and `ferry status` prints the same with and without it.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { decodeListing, listingOf } from "../../src/engine/listing.js";
import { foldEvents } from "../../src/engine/state.js";
import { RUN_EVENT_VERSION, type RunEvent } from "../../src/model/run-event.js";
import { readRunListings } from "../../src/runs/history.js";
import type { PostgresStateBackend } from "../../src/state/postgres/backend.js";
import { ferry } from "../helpers/cli.js";
import { runProject } from "../cli/run-project.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly } from "../../src/runs/context.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { closeBackends, migrate, migratedDatabase, pgState } from "./pg-state.js";

const local = () => mkdtempSync(join(tmpdir(), "ferry-pg-listing-"));
const APPS = ["crm", "payroll"];

function events(run: string): Record<string, (app?: string) => RunEvent> {
  const base = { v: RUN_EVENT_VERSION, at: "2027-01-12T20:00:00.000Z", run };
  return {
    started: () => ({
      ...base, type: "run.started", operator: "alice", wave: 2, dryRun: false, runbooks: { rb: "0".repeat(64) },
      apps: APPS.map((app) => ({ app, runbook: "rb", hosts: ["h1"], steps: [{ id: "move", idempotent: false, hasCheck: false, hasRollback: false }] })),
      options: { concurrency: 2 },
    }),
    appStarted: (app) => ({ ...base, type: "app.started", app: app! }),
    stepStarted: (app) => ({ ...base, type: "step.started", app: app!, step: "move", attempt: 1, command: "true" }),
    stepOk: (app) => ({ ...base, type: "step.succeeded", app: app!, step: "move", attempt: 1, via: "action", outputs: { exitCode: 0 } }),
    stepFailed: (app) => ({ ...base, type: "step.failed", app: app!, step: "move", attempt: 1, error: { code: "exit-status", message: "exit 3", transient: false, outcome: "failed" } }),
    appOk: (app) => ({ ...base, type: "app.finished", app: app!, status: "succeeded" }),
    appFailed: (app) => ({ ...base, type: "app.finished", app: app!, status: "failed", reason: "move failed" }),
    interrupted: () => ({ ...base, type: "run.interrupted", signal: "SIGINT", abort: false }),
    resumed: () => ({ ...base, type: "run.resumed", operator: "bob" }),
    finishedOk: () => ({ ...base, type: "run.finished", status: "succeeded", exitCode: 0, counts: { succeeded: 2 } }),
    finishedFailed: () => ({ ...base, type: "run.finished", status: "failed", exitCode: 1, counts: { succeeded: 1, failed: 1 } }),
  };
}

async function append(state: PostgresStateBackend, run: string, list: RunEvent[], open: "create" | "open"): Promise<void> {
  const j = open === "create" ? await state.createRun(run, { owner: "alice" }) : await state.openRun(run, { owner: "bob" });
  // Some in one batch, some one by one: the listing must not depend on how records were grouped.
  await Promise.all(list.slice(0, 3).map((e) => j.append(e)));
  for (const e of list.slice(3)) await j.append(e);
  await j.close();
}

async function kept(url: string): Promise<Map<string, { seq: number; listing: string }>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const rows = (await c.query<{ run_id: string; seq: string; listing: string }>("SELECT run_id, seq, listing FROM ferry_run_summaries")).rows;
    return new Map(rows.map((r) => [r.run_id, { seq: Number(r.seq), listing: r.listing }]));
  } finally {
    await c.end();
  }
}

async function sql(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(text).finally(() => c.end());
}

/** The listing of the run's records as they stand, read and folded now. */
async function folded(state: PostgresStateBackend, run: string) {
  const { records } = await state.readRun(run);
  return listingOf(foldEvents(records.map((r) => r.event)));
}

/** Three finished runs (succeeded, failed, interrupted then resumed to the end) and one interrupted. */
async function fourRuns(state: PostgresStateBackend): Promise<void> {
  const ok = events("r-ok");
  await append(state, "r-ok", [ok.started!(), ...APPS.flatMap((a) => [ok.appStarted!(a), ok.stepStarted!(a), ok.stepOk!(a), ok.appOk!(a)]), ok.finishedOk!()], "create");
  const bad = events("r-failed");
  await append(state, "r-failed", [bad.started!(), bad.appStarted!("crm"), bad.stepStarted!("crm"), bad.stepOk!("crm"), bad.appOk!("crm"), bad.appStarted!("payroll"), bad.stepStarted!("payroll"), bad.stepFailed!("payroll"), bad.appFailed!("payroll"), bad.finishedFailed!()], "create");
  const res = events("r-resumed");
  await append(state, "r-resumed", [res.started!(), res.appStarted!("crm"), res.stepStarted!("crm"), res.stepOk!("crm"), res.appOk!("crm"), res.interrupted!()], "create");
  await append(state, "r-resumed", [res.resumed!(), res.appStarted!("payroll"), res.stepStarted!("payroll"), res.stepOk!("payroll"), res.appOk!("payroll"), res.finishedOk!()], "open");
  const cut = events("r-interrupted");
  await append(state, "r-interrupted", [cut.started!(), cut.appStarted!("crm"), cut.stepStarted!("crm"), cut.interrupted!()], "create");
}

describe.skipIf(postgresMissingReason())("the listing status keeps per finished run", () => {
  const pgs = usePostgres();
  afterEach(closeBackends);

  it("is the listing of the folded records after runs that succeed, fail, and are interrupted and resumed; an unfinished run has none", async () => {
    const url = await migratedDatabase(pgs.server);
    const state = await pgState(url, local());
    await fourRuns(state);
    const rows = await kept(url);
    expect([...rows.keys()].sort()).toEqual(["r-failed", "r-ok", "r-resumed"]);
    for (const [run, row] of rows) {
      expect(decodeListing(row.listing), run).toEqual(await folded(state, run));
      expect(row.seq).toBe((await state.readRun(run)).head.seq);
    }
    expect(decodeListing(rows.get("r-failed")!.listing)).toMatchObject({ status: "failed", finished: true, counts: { succeeded: 1, failed: 1 } });
    expect(decodeListing(rows.get("r-resumed")!.listing)).toMatchObject({ status: "succeeded", json: { resumes: 1 } });
    // The list: kept listings for finished runs, the records folded for the others, in run order.
    const { runs, unreadable } = await readRunListings(state);
    expect(unreadable).toEqual([]);
    expect(runs.map((r) => r.runId)).toEqual(["r-failed", "r-interrupted", "r-ok", "r-resumed"]);
    for (const r of runs) expect(r).toEqual(await folded(state, r.runId));
  }, 60_000);

  it("is the listing of every process's records when another process (a site runner's scope) appended to the run too", async () => {
    const url = await migratedDatabase(pgs.server);
    const state = await pgState(url, local());
    const e = events("r-shared");
    const main = await state.createRun("r-shared", { owner: "alice" });
    await main.append(e.started!());
    const runner = await state.openRun("r-shared", { owner: "site-a" }, "app:payroll");
    for (const x of [e.appStarted!("payroll"), e.stepStarted!("payroll"), e.stepFailed!("payroll"), e.appFailed!("payroll")]) await runner.append(x);
    await runner.close();
    // The first process's next batch finds the run moved on and finishes it.
    for (const x of [e.appStarted!("crm"), e.stepStarted!("crm"), e.stepOk!("crm"), e.appOk!("crm"), e.finishedFailed!()]) await main.append(x);
    await main.close();
    const row = (await kept(url)).get("r-shared")!;
    expect(row.seq).toBe(10);
    expect(decodeListing(row.listing)).toEqual(await folded(state, "r-shared"));
    expect(decodeListing(row.listing)).toMatchObject({ counts: { failed: 1, succeeded: 1 } });
  }, 60_000);

  it("is not used once the run went on from it (resumed, rolled back), nor when it was changed to another head", async () => {
    const url = await migratedDatabase(pgs.server);
    const state = await pgState(url, local());
    await fourRuns(state);
    const e = events("r-failed");
    // Resumed by a process that keeps no listing: the kept one is of an older head.
    await sql(url, `UPDATE ferry_run_summaries SET listing = replace(listing, '"failed"', '"succeeded"') WHERE run_id = 'r-failed'`);
    const j = await state.openRun("r-failed", { owner: "bob" });
    await j.append(e.resumed!());
    await j.close();
    const { runs } = await readRunListings(state);
    const listed = runs.find((r) => r.runId === "r-failed")!;
    expect(listed).toEqual(await folded(state, "r-failed"));
    expect(listed).toMatchObject({ status: "running", finished: false });
    // A listing whose head is not the run's is never used, whatever it says.
    await sql(url, `UPDATE ferry_run_summaries SET listing = replace(listing, '"succeeded"', '"failed"'), sum = repeat('1', 64) WHERE run_id = 'r-ok'`);
    const again = await readRunListings(state);
    expect(again.runs.find((r) => r.runId === "r-ok")).toEqual(await folded(state, "r-ok"));
  }, 60_000);

  it("is filled in by `ferry state migrate` for runs from before it was kept, and `ferry status` prints the same with and without it", async () => {
    const url = await migratedDatabase(pgs.server);
    const state = await pgState(url, local());
    await fourRuns(state);
    const before = await kept(url);
    const cwd = local();
    const env = { FERRY_OPERATOR: "carol" };
    const withText = ferry(["status", "--state", url], { cwd, env });
    const withJson = ferry(["status", "--state", url, "--json"], { cwd, env });
    expect(withText.code, withText.stderr).toBe(0);
    expect(withText.stdout).toMatch(/^r-failed {2}failed .*wave 2 {2}1 succeeded, 1 failed {2}\(alice on /m);
    await sql(url, "DELETE FROM ferry_run_summaries");
    const withoutText = ferry(["status", "--state", url], { cwd, env });
    const withoutJson = ferry(["status", "--state", url, "--json"], { cwd, env });
    expect(withoutText).toEqual(withText);
    expect(withoutJson).toEqual(withJson);
    await migrate(url);
    expect(await kept(url)).toEqual(before);
    const migrated = ferry(["state", "migrate", "--state", url], { cwd, env });
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(ferry(["status", "--state", url], { cwd, env })).toEqual(withText);
  }, 90_000);

  it("is the listing of the records the engine wrote, for a wave run as typed that fails and is then resumed", async () => {
    const url = await migratedDatabase(pgs.server);
    const dir = runProject([{ id: "crm", runbook: "plain" }, { id: "payroll", runbook: "flaky" }], {
      plain: `steps:\n  - id: move\n    local: { run: "echo moved" }\n`,
      flaky: `steps:\n  - id: move\n    local: { run: "test -f fixed || exit 3" }\n`,
    });
    const plan = join(dir, "p.json");
    writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
    await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });
    const env = { FERRY_OPERATOR: "alice" };
    const run = ferry(["run", "--plan", plan, "--wave", "1", "--dir", dir, "--state", url], { env });
    expect(run.code, run.stderr).toBe(1);
    const state = await pgState(url, local());
    const [runId] = [...(await kept(url)).keys()];
    expect(decodeListing((await kept(url)).get(runId!)!.listing)).toEqual(await folded(state, runId!));
    expect(await folded(state, runId!)).toMatchObject({ status: "failed", finished: true });
    // Paused where it failed (another database: the failed run above holds crm), fixed, resumed to the end.
    const url2 = await migratedDatabase(pgs.server);
    const paused = ferry(["run", "--plan", plan, "--wave", "1", "--dir", dir, "--state", url2, "--on-failure", "pause"], { env });
    expect(paused.code, paused.stderr).toBe(4);
    const state2 = await pgState(url2, local());
    const [pausedId] = (await state2.listRuns());
    const pausedRow = (await kept(url2)).get(pausedId!)!;
    expect(decodeListing(pausedRow.listing)).toEqual(await folded(state2, pausedId!));
    expect(decodeListing(pausedRow.listing)).toMatchObject({ status: "paused", finished: true });
    writeFileSync(join(dir, "fixed"), "");
    const resumed = ferry(["resume", pausedId!, "--retry-failed", "--dir", dir, "--state", url2], { env });
    expect(resumed.code, resumed.stderr + resumed.stdout).toBe(0);
    const after = (await kept(url2)).get(pausedId!)!;
    expect(after.seq).toBe((await state2.readRun(pausedId!)).head.seq);
    expect(decodeListing(after.listing)).toEqual(await folded(state2, pausedId!));
    expect(decodeListing(after.listing)).toMatchObject({ status: "succeeded", json: { resumes: 1 } });
  }, 90_000);
});
