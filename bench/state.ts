/**
 * Team state on PostgreSQL, beside the file journal in the same run, against a real server
 * started here (Debian's postgresql, `initdb` in a temporary folder, fsync and
 * synchronous_commit on, loopback):
 * 1. durable steps per second: a wave of 1,000 applications × 5 no-op `wait: 0s` steps, every
 *    record committed before the engine acts on it (group commit allowed), on the file journal
 *    and on the database;
 * 2. `ferry status` over 1,000 runs in the database, end to end as an operator types it (node
 *    start-up included), beside `ferry --version` (the start-up floor) and the same status over
 *    the same runs in a state folder.
 * Skipped with a note where PostgreSQL is not installed.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { createWaitAction } from "../src/actions/wait.js";
import { openJournal } from "../src/journal/file-journal.js";
import type { Journal } from "../src/journal/types.js";
import type { RunEvent } from "../src/model/run-event.js";
import type { Estate } from "../src/model/estate.js";
import type { PreparedApp } from "../src/engine/prepare.js";
import { startRun } from "../src/engine/run.js";
import { openPool } from "../src/state/postgres/connect.js";
import { migrate } from "../src/state/postgres/migrate.js";
import { openPostgresState } from "../src/state/postgres/open.js";
import type { PostgresStateBackend } from "../src/state/postgres/backend.js";
import { postgresMissingReason, startPostgres } from "../test/harness/postgres.js";
import { benchEstate, cpuMs, noopRunbook, prepareAll } from "./_wave.js";
import { median, type BenchTable } from "./table.js";

const APPS = 1_000;
const STEPS = 5;
const STATUS_RUNS = 1_000;
const CLI = path.join(import.meta.dirname, "..", "dist", "cli", "main.js");

async function wave(journal: Journal<RunEvent>, runId: string, apps: PreparedApp[], est: Estate): Promise<{ ms: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = cpuMs();
  const out = await startRun(
    { journal, actions: { wait: createWaitAction() }, estate: est, cwd: process.cwd(), log: pino({ level: "silent" }), concurrency: 50, budget: { kind: "unlimited" } },
    { runId, operator: "bench", apps, runbooks: { bench: "0".repeat(64) } },
  );
  const ms = performance.now() - t0;
  if (out.exitCode !== 0) throw new Error(`bench run ended ${out.status}`);
  return { ms, cpu: cpuMs() - c0 };
}

/** A small finished run: header, 2 applications × 3 steps, finish (about 18 records). */
async function smallRun(journal: Journal<RunEvent>, run: string): Promise<void> {
  const at = new Date().toISOString();
  const base = { v: 1 as const, at, run };
  const apps = ["crm", "payroll"];
  await journal.append({
    ...base, type: "run.started", operator: "bench", wave: 1, dryRun: false, runbooks: { bench: "0".repeat(64) },
    apps: apps.map((app) => ({ app, runbook: "bench", hosts: ["h1"], steps: ["a", "b", "c"].map((id) => ({ id, idempotent: false, hasCheck: false, hasRollback: false })) })),
    options: { concurrency: 2 },
  });
  for (const app of apps) {
    await journal.append({ ...base, type: "app.started", app });
    for (const step of ["a", "b", "c"]) {
      await journal.append({ ...base, type: "step.started", app, step, attempt: 1, command: "true" });
      await journal.append({ ...base, type: "step.succeeded", app, step, attempt: 1, via: "action", outputs: { exitCode: 0 } });
    }
    await journal.append({ ...base, type: "app.finished", app, status: "succeeded" });
  }
  await journal.append({ ...base, type: "run.finished", status: "succeeded", exitCode: 0, counts: { succeeded: 2 } });
}

/** Wall ms of a CLI command, best and median of `n`, and its median CPU ms (user + sys, from /usr/bin/time where there is one). */
function timeCli(args: string[], n: number, cwd: string): { best: number; median: number; cpu?: number } {
  const walls: number[] = [];
  const cpus: number[] = [];
  const timer = fs.existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = timer
      ? spawnSync(timer, ["-f", "cpu %U %S", process.execPath, CLI, ...args], { cwd, encoding: "utf8" })
      : spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: "utf8" });
    walls.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`ferry ${args.join(" ")} failed: ${r.stderr}`);
    const m = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (m) cpus.push((Number(m[1]) + Number(m[2])) * 1000);
  }
  return { best: Math.min(...walls), median: median(walls), ...(cpus.length ? { cpu: median(cpus) } : {}) };
}

export default async function run(): Promise<BenchTable[]> {
  const missing = postgresMissingReason();
  if (missing) return [{ title: "Team state on PostgreSQL", columns: ["skipped"], rows: [[missing]] }];
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-state-"));
  const server = await startPostgres();
  const opened: PostgresStateBackend[] = [];
  try {
    const url = await server.createDatabase();
    {
      const { pool, config } = await openPool(url);
      await migrate(pool, config);
      await pool.end();
    }
    const state = await openPostgresState(url, { localDir: path.join(root, "local") });
    opened.push(state);
    const loadBefore = os.loadavg()[0]!;

    // 1. durable steps per second, file journal and database in turn.
    const rb = noopRunbook(STEPS);
    const est = benchEstate(APPS);
    const steps = APPS * STEPS;
    const fileDir = path.join(root, "files");
    fs.mkdirSync(fileDir, { mode: 0o700 });
    const fj = await openJournal<RunEvent>(fileDir, "wave", { mode: "create", lock: false });
    const fileRun = await wave(fj, "wave", prepareAll(est, rb), est);
    const fstats = fj.stats();
    await fj.close();
    const pj = await state.createRun("wave", { owner: "bench" });
    const pgRun = await wave(pj, "wave", prepareAll(est, rb), est);
    const pstats = pj.stats();
    await pj.close();
    const perSec = (ms: number) => Math.round(steps / (ms / 1000));

    // 2. status over 1,000 runs: the same runs in the database and in a state folder.
    const statusDir = path.join(root, "status-files");
    fs.mkdirSync(statusDir, { mode: 0o700 });
    for (let i = 0; i < STATUS_RUNS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, STATUS_RUNS - i) }, async (_, k) => {
          const id = `20270101-000000-${String(i + k).padStart(6, "0")}`;
          const pgj = await state.createRun(id, { owner: "bench" });
          await smallRun(pgj, id);
          await pgj.close();
          const fjj = await openJournal<RunEvent>(statusDir, id, { mode: "create", lock: false });
          await smallRun(fjj, id);
          await fjj.close();
        }),
      );
    }
    const project = path.join(root, "project");
    fs.mkdirSync(project);
    const floor = timeCli(["--version"], 5, project);
    const pgStatus = timeCli(["status", "--state", url], 5, project);
    const fileStatus = timeCli(["status", "--state", statusDir], 5, project);
    // The same status with no kept listing (as before listings were kept): every record read and folded.
    const listed = (await state.pool.query("SELECT count(*)::int AS n FROM ferry_run_summaries WHERE run_id <> 'wave'")).rows[0] as { n: number };
    await state.pool.query("DELETE FROM ferry_run_summaries");
    const pgStatusRecords = timeCli(["status", "--state", url], 5, project);
    const load = `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (${os.cpus().length} cores, shared)`;
    return [
      {
        title: "Team state: durable steps per second, PostgreSQL beside the file journal",
        columns: ["state", "steps", "seconds", "steps/s", "CPU s (this process)", "records", "commits / fdatasyncs", "records per commit", "largest batch"],
        rows: [
          ["file journal (fdatasync per batch)", steps, (fileRun.ms / 1000).toFixed(2), perSec(fileRun.ms), (fileRun.cpu / 1000).toFixed(2), fstats.records, fstats.syncs, (fstats.records / fstats.syncs).toFixed(1), fstats.maxBatch],
          ["PostgreSQL, local server (one transaction per batch)", steps, (pgRun.ms / 1000).toFixed(2), perSec(pgRun.ms), (pgRun.cpu / 1000).toFixed(2), pstats.records, pstats.commits, (pstats.records / pstats.commits).toFixed(1), pstats.maxBatch],
        ],
        notes: [
          `${APPS} applications × ${STEPS} \`wait: 0s\` steps, concurrency 50. Target ≥ 1,000 steps/s on PostgreSQL. Every record is committed (fsync and synchronous_commit on) before the engine acts on it; records that arrive while a commit is in flight share the next one, each caller still waiting for its own.`,
          `PostgreSQL ÷ file: ${(perSec(pgRun.ms) / perSec(fileRun.ms)).toFixed(2)}× the steps per second. ${load}. The server's own CPU is not in the CPU column.`,
        ],
      },
      {
        title: `Team state: \`ferry status\` over ${STATUS_RUNS.toLocaleString("en-GB")} runs`,
        columns: ["command", "runs", "ms (best of 5)", "ms (median)", "CPU ms (median, user + sys)", "× start-up floor (median)"],
        rows: [
          ["`ferry --version` (node start-up, the floor)", "-", floor.best.toFixed(0), floor.median.toFixed(0), floor.cpu?.toFixed(0) ?? "-", "1.00"],
          ["`ferry status --state postgres://…` (finished runs from their kept listing)", STATUS_RUNS, pgStatus.best.toFixed(0), pgStatus.median.toFixed(0), pgStatus.cpu?.toFixed(0) ?? "-", (pgStatus.median / floor.median).toFixed(2)],
          ["`ferry status --state postgres://…` without kept listings (every record read and folded)", STATUS_RUNS, pgStatusRecords.best.toFixed(0), pgStatusRecords.median.toFixed(0), pgStatusRecords.cpu?.toFixed(0) ?? "-", (pgStatusRecords.median / floor.median).toFixed(2)],
          ["`ferry status --state FOLDER` (the same runs as files)", STATUS_RUNS, fileStatus.best.toFixed(0), fileStatus.median.toFixed(0), fileStatus.cpu?.toFixed(0) ?? "-", (fileStatus.median / floor.median).toFixed(2)],
        ],
        notes: [
          `Target < 300 ms. Each run has ${18} records (2 applications × 3 steps). With listings (${listed.n} of ${STATUS_RUNS} runs had one, kept by the writer with each run's last batch) status reads one row per run; without, it reads every record of every run in one query, verifies each record's checksum and link and folds them. Either way it reads who started each run and whose lease is live in one query each. ${load}.`,
        ],
      },
    ];
  } finally {
    for (const s of opened) await s.close();
    await server.remove();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
