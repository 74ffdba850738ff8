/**
 * Site runners against a real PostgreSQL: a wave queued by site, taken by a runner of that site,
 * run with the same engine and journalled; a site without a live runner reported, not waited on;
 * a dead runner's locked job released by a live one. Journals here are in the project's state
 * folder (the runners share the machine); the queue and registrations are in the database.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { ledger, planAndApprove, runProject, untilLedger } from "../cli/run-project.js";
import { operatorName, type RunsContext } from "../../src/runs/context.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { openPool } from "../../src/state/postgres/connect.js";
import { migrate } from "../../src/state/postgres/migrate.js";
import { batchJobs, cancelQueuedJobs, taskFor } from "../../src/state/postgres/queue.js";
import { heartbeat, listRunners, registerRunner, releaseDeadRunnersJobs } from "../../src/state/postgres/runners.js";
import { batchExitCode, queueWave, watchBatch } from "../../src/runners/coordinator.js";
import { startRunner, type RunnerNotice } from "../../src/runners/runner.js";
import type pg from "pg";

const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

describe.skipIf(postgresMissingReason())("site runners", () => {
  const pgs = usePostgres();
  let url: string;
  let pool: pg.Pool;

  beforeAll(async () => {
    url = await pgs.server.createDatabase();
    const opened = await openPool(url);
    pool = opened.pool;
    await migrate(pool, opened.config);
  });
  afterAll(async () => {
    await pool?.end();
  });

  async function project(apps: string[]): Promise<{ dir: string; plan: string; ctx: RunsContext }> {
    const dir = runProject(
      apps.map((id) => ({ id, runbook: "move" })),
      { move: `steps:\n${marker("s1")}${marker("s2")}` },
    );
    const plan = await planAndApprove(dir);
    const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), operator: operatorName(), env: process.env };
    return { dir, plan, ctx };
  }

  it("reports a site with no live runner instead of waiting for it (exit 4), leaving its jobs queued", async () => {
    const { plan, ctx } = await project(["n1"]);
    const prepared = await prepareWave(ctx, { plan, wave: 1 });
    const { batch, jobs } = await queueWave(ctx, pool, prepared);
    expect(jobs.map((j) => [j.app, j.site])).toEqual([["n1", "guildhall"]]);
    const started = Date.now();
    const progress = await watchBatch(ctx, pool, batch, { graceMs: 300, pollMs: 50 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(progress.sitesWithoutRunners).toEqual(["guildhall"]);
    expect(progress.apps).toMatchObject([{ app: "n1", status: "no-runner", settled: true }]);
    expect(batchExitCode(progress)).toBe(4);
    expect((await batchJobs(pool, batch))[0]).toMatchObject({ inQueue: true, status: "queued" });
    // The operator gives up on the site: its jobs leave the queue and never run.
    expect(await cancelQueuedJobs(pool, batch)).toEqual(["n1"]);
    expect((await batchJobs(pool, batch))[0]).toMatchObject({ inQueue: false, status: "cancelled" });
  });

  it("a runner of the site takes the wave's jobs, runs each application once, and the coordinator sees it in the journal", async () => {
    const { dir, plan, ctx } = await project(["r1", "r2", "r3"]);
    const notices: RunnerNotice[] = [];
    const runner = await startRunner({ url, site: "guildhall", ctx, leaseMs: 3000, onNotice: (n) => notices.push(n) });
    try {
      expect((await listRunners(pool, ["guildhall"])).some((r) => r.runnerId === runner.runnerId && r.live)).toBe(true);
      const prepared = await prepareWave(ctx, { plan, wave: 1 });
      const { batch } = await queueWave(ctx, pool, prepared);
      const progress = await watchBatch(ctx, pool, batch, { graceMs: 5000, pollMs: 100 });
      expect(progress.apps.map((a) => [a.app, a.status]), JSON.stringify(progress.apps)).toEqual([
        ["r1", "succeeded"],
        ["r2", "succeeded"],
        ["r3", "succeeded"],
      ]);
      expect(new Set(progress.apps.map((a) => a.runId)).size).toBe(3);
      expect(batchExitCode(progress)).toBe(0);
      expect(ledger(join(dir, "ledger")).sort()).toEqual(["run:s1:r1", "run:s1:r2", "run:s1:r3", "run:s2:r1", "run:s2:r2", "run:s2:r3"]);
      expect(notices.filter((n) => n.type === "job.finished")).toHaveLength(3);
    } finally {
      await runner.stop();
    }
    const me = (await listRunners(pool, ["guildhall"])).find((r) => r.runnerId === runner.runnerId)!;
    expect(me).toMatchObject({ live: false, stopped: true });
  });

  it("spends the wave's failure budget as ferry run does: once an application failed, jobs no runner started leave the queue", async () => {
    const dir = runProject(
      [
        { id: "b1", runbook: "broken" },
        { id: "b2", runbook: "move" },
      ],
      { broken: `steps:\n  - id: s1\n    local: { run: "echo run:s1:{{ app.id }} >> ledger; exit 1" }\n`, move: `steps:\n${marker("s1")}` },
    );
    // b2's host is at another site, whose runner never comes.
    const estate = join(dir, "estate", "apps.yaml");
    let text = readFileSync(estate, "utf8");
    text = text.replace("hosts:\n  - { id: app01, site: guildhall, address: 127.0.0.1, os: linux }\n", "hosts:\n  - { id: app01, site: guildhall, address: 127.0.0.1, os: linux }\n  - { id: app02, site: daventry, address: 127.0.0.1, os: linux }\n");
    text = text.replace(/(- id: b2\n(?:.*\n)*?) {4}hosts: \[app01\]/, "$1    hosts: [app02]");
    writeFileSync(estate, text);
    const sites = join(dir, "estate", "sites.yaml");
    writeFileSync(sites, readFileSync(sites, "utf8").replace("sites:\n", "sites:\n  - { id: daventry, name: Daventry, kind: office, organisation: nbc }\n"));
    const plan = await planAndApprove(dir);
    const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), operator: operatorName(), env: process.env };
    const prepared = await prepareWave(ctx, { plan, wave: 1 });
    const { batch, jobs } = await queueWave(ctx, pool, prepared);
    expect(jobs.map((j) => [j.app, j.site]).sort()).toEqual([
      ["b1", "guildhall"],
      ["b2", "daventry"],
    ]);
    const runner = await startRunner({ url, site: "guildhall", ctx, leaseMs: 3000 });
    let cancelled: string[] = [];
    try {
      const progress = await watchBatch(ctx, pool, batch, { graceMs: 60_000, pollMs: 100, onBudgetSpent: (c) => (cancelled = c) });
      expect(Object.fromEntries(progress.apps.map((a) => [a.app, a.status]))).toEqual({ b1: "failed", b2: "cancelled" });
      expect(batchExitCode(progress)).toBe(1);
    } finally {
      await runner.stop();
    }
    expect(cancelled).toEqual(["b2"]);
    expect(ledger(join(dir, "ledger"))).toEqual(["run:s1:b1"]);
  });

  it("a runner stopped with SIGTERM lets its step finish, puts the job back, and another runner continues the run: each step once", async () => {
    const dir = runProject([{ id: "t1", runbook: "hold" }], {
      hold: `steps:
  - id: s1
    local: { run: "echo run:s1:{{ app.id }} >> ledger; while [ ! -f go ]; do sleep 0.05; done" }
  - id: s2
    local: { run: "echo run:s2:{{ app.id }} >> ledger" }
`,
    });
    const plan = await planAndApprove(dir);
    const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), operator: operatorName(), env: process.env };
    const first = await startRunner({ url, site: "guildhall", ctx, leaseMs: 3000 });
    const { batch } = await queueWave(ctx, pool, await prepareWave(ctx, { plan, wave: 1 }));
    await untilLedger(join(dir, "ledger"), "run:s1:t1");
    const stopping = first.stop("SIGTERM");
    writeFileSync(join(dir, "go"), "");
    await stopping;
    const [job] = await batchJobs(pool, batch);
    expect(job).toMatchObject({ inQueue: true, status: "running" });
    expect(job!.runId).toBeDefined();
    const second = await startRunner({ url, site: "guildhall", ctx, leaseMs: 3000 });
    try {
      const progress = await watchBatch(ctx, pool, batch, { graceMs: 60_000, pollMs: 100 });
      expect(progress.apps).toMatchObject([{ app: "t1", status: "succeeded", runId: job!.runId }]);
    } finally {
      await second.stop();
    }
    expect(ledger(join(dir, "ledger"))).toEqual(["run:s1:t1", "run:s2:t1"]);
  }, 60_000);

  it("a live runner releases the job a dead runner's worker had locked, once the lease has passed", async () => {
    const { plan, ctx } = await project(["d1"]);
    const prepared = await prepareWave(ctx, { plan, wave: 1 });
    const { batch } = await queueWave(ctx, pool, prepared);
    // A runner that took the job and died: its worker's lock stays, its registration lapses.
    await registerRunner(pool, { runnerId: "dead", site: "guildhall", hostname: "gone", pid: 1, owner: "x" }, 100);
    await heartbeat(pool, "dead", 100, ["worker-dead"]);
    await pool.query(`UPDATE graphile_worker._private_jobs SET locked_by = 'worker-dead', locked_at = now() - interval '10 seconds', attempts = 1 WHERE key = $1`, [`ferry:${batch}:d1`]);
    await new Promise((r) => setTimeout(r, 200));
    expect(await releaseDeadRunnersJobs(pool, 60_000)).toEqual([]);
    expect(await releaseDeadRunnersJobs(pool, 1000)).toEqual(["worker-dead"]);
    expect((await batchJobs(pool, batch))[0]).toMatchObject({ inQueue: true });
    expect((await batchJobs(pool, batch))[0]!.lockedBy).toBeUndefined();
    // A runner of another site never takes it.
    const other = await startRunner({ url, site: "elsewhere", ctx, leaseMs: 3000 });
    await new Promise((r) => setTimeout(r, 1500));
    expect((await batchJobs(pool, batch))[0]).toMatchObject({ inQueue: true, status: "queued" });
    await other.stop();
    const runner = await startRunner({ url, site: "guildhall", ctx, leaseMs: 3000 });
    try {
      const progress = await watchBatch(ctx, pool, batch, { graceMs: 5000, pollMs: 100 });
      expect(progress.apps).toMatchObject([{ app: "d1", status: "succeeded" }]);
    } finally {
      await runner.stop();
    }
    expect(taskFor("guildhall")).toBe("ferry_app:guildhall");
  });
});
