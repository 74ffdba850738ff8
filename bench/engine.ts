/**
 * Engine overhead, with the durable file journal (every transition fdatasync'd before it is
 * acted on; group commit allowed):
 * 1. a wave of 1,000 applications × 5 no-op `wait: 0s` steps, three times: wall steps per second
 *    and this process's CPU time (user + sys) per step, medians, beside the disk's floor measured
 *    in the same run: the same number of records, in as many group commits of the same size, each
 *    one write + fdatasync, no engine (so the ratio is the engine's own cost on a busy machine);
 * 2. resume time for a 100,000-record journal (open, verify every checksum and link, fold),
 *    beside a bare `JSON.parse` of every line of the same file (no checks, no fold);
 * 3. `local` steps running `true`, per step, beside peers measured in the same run: the same
 *    commands from a plain shell loop (the process-spawn floor), and `ansible-playbook` on
 *    localhost with `connection: local` (skipped with a note when it is not installed).
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { createLocalAction } from "../src/actions/local.js";
import { createWaitAction } from "../src/actions/wait.js";
import { openJournal } from "../src/journal/file-journal.js";
import type { RunEvent } from "../src/model/run-event.js";
import { Runbook } from "../src/model/runbook.js";
import type { Estate } from "../src/model/estate.js";
import type { PreparedApp } from "../src/engine/prepare.js";
import { startRun } from "../src/engine/run.js";
import { foldEvents } from "../src/engine/state.js";
import { benchEstate, cpuMs, noopRunbook, prepareAll } from "./_wave.js";
import { median, type BenchTable } from "./table.js";

const APPS = 1_000;
const STEPS = 5;
const RESUME_RECORDS = 100_000;
const LOCAL_APPS = 20;
const LOCAL_STEPS = 5;
const ANSIBLE_TASKS = 20;
const RAW_SYNCS = 300;
/** Waves measured; the medians are reported (the machine is shared, so one run says little). */
const WAVES = 3;

function tmpState(root: string, name: string): string {
  const d = path.join(root, name);
  fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}

async function runWave(stateDir: string, runId: string, apps: PreparedApp[], est: Estate, concurrency: number) {
  const journal = await openJournal<RunEvent>(stateDir, runId, { mode: "create", lock: false });
  const bytes0 = fs.statSync(journal.path).size;
  const c0 = cpuMs();
  const t0 = performance.now();
  const out = await startRun(
    { journal, actions: { wait: createWaitAction(), local: createLocalAction() }, estate: est, cwd: process.cwd(), log: pino({ level: "silent" }), concurrency, budget: { kind: "unlimited" } },
    { runId, operator: "bench", apps, runbooks: { bench: "0".repeat(64) } },
  );
  const ms = performance.now() - t0;
  const cpu = cpuMs() - c0;
  const stats = journal.stats();
  const bytes = fs.statSync(journal.path).size - bytes0;
  await journal.close();
  if (out.exitCode !== 0) throw new Error(`bench run ended ${out.status}`);
  return { ms, cpu, stats, bytes };
}

/**
 * The floor for a wave, with no engine: `records` lines of the wave's average length, written
 * as `syncs` batches (one write + one fdatasync each, the next after the last is durable),
 * which is what the journal's group commit did for the wave. What is left above it is the
 * engine's and the journal's CPU.
 */
async function timeGroupCommits(dir: string, records: number, syncs: number, bytes: number): Promise<{ ms: number; cpu: number }> {
  const file = path.join(dir, "floor.ndjson");
  const fd = fs.openSync(file, "a", 0o600);
  const lineLength = Math.max(2, Math.round(bytes / records));
  const line = `${"x".repeat(lineLength - 1)}\n`;
  const batches = Array.from({ length: syncs }, (_, i) => {
    const n = Math.floor((records * (i + 1)) / syncs) - Math.floor((records * i) / syncs);
    return Buffer.from(line.repeat(n));
  });
  const fdatasync = (n: number) => new Promise<void>((resolve, reject) => fs.fdatasync(n, (err) => (err ? reject(err) : resolve())));
  try {
    const c0 = cpuMs();
    const t0 = performance.now();
    for (const b of batches) {
      fs.writeSync(fd, b);
      await fdatasync(fd);
    }
    return { ms: performance.now() - t0, cpu: cpuMs() - c0 };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file);
  }
}

/** A journal of `n` realistic records, written with group commit (lock off: nothing else runs). */
async function bigJournal(stateDir: string, n: number): Promise<void> {
  const apps = Math.ceil(n / (2 + STEPS * 2 + 1));
  const started: RunEvent = {
    v: 1, at: new Date().toISOString(), run: "big", type: "run.started", operator: "bench", dryRun: false, runbooks: { bench: "0".repeat(64) },
    apps: Array.from({ length: apps }, (_, i) => ({ app: `app-${i}`, runbook: "bench", hosts: ["h1"], steps: Array.from({ length: STEPS }, (_, s) => ({ id: `s${s}`, idempotent: false, hasCheck: false, hasRollback: false })) })),
    options: { concurrency: 50 },
  };
  const events: RunEvent[] = [started];
  const at = new Date().toISOString();
  for (let i = 0; events.length < n; i++) {
    const app = `app-${i}`;
    events.push({ v: 1, at, run: "big", type: "app.started", app });
    for (let s = 0; s < STEPS && events.length < n; s++) {
      events.push({ v: 1, at, run: "big", type: "step.started", app, step: `s${s}`, attempt: 1, command: "systemctl stop 'revs'" });
      events.push({ v: 1, at, run: "big", type: "step.succeeded", app, step: `s${s}`, attempt: 1, via: "action", outputs: { stdout: "ok", exitCode: 0 } });
    }
    if (events.length < n) events.push({ v: 1, at, run: "big", type: "app.finished", app, status: "succeeded" });
  }
  const j = await openJournal<RunEvent>(stateDir, "big", { mode: "create", lock: false });
  for (let k = 0; k < events.length; k += 5000) await Promise.all(events.slice(k, k + 5000).map((e) => j.append(e)));
  await j.close();
}

/** The disk's floor without group commit: `n` × (write one 400-byte record + fdatasync). */
function timeRawSyncs(dir: string, n: number): number {
  const file = path.join(dir, "raw.ndjson");
  const fd = fs.openSync(file, "a", 0o600);
  const line = Buffer.from(`${"x".repeat(399)}\n`);
  try {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      fs.writeSync(fd, line);
      fs.fdatasyncSync(fd);
    }
    return performance.now() - t0;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file);
  }
}

/** Bare `JSON.parse` of every line of a file: the floor for any JSON-lines reader. */
function timeBareParse(file: string): number {
  const t0 = performance.now();
  const text = fs.readFileSync(file, "utf8");
  for (let s = 0, nl = text.indexOf("\n"); nl >= 0; s = nl + 1, nl = text.indexOf("\n", s)) JSON.parse(text.slice(s, nl));
  return performance.now() - t0;
}

function timeShell(n: number): number {
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", `i=0; while [ $i -lt ${n} ]; do sh -c true; i=$((i+1)); done`]);
  if (r.status !== 0) throw new Error("shell loop failed");
  return performance.now() - t0;
}

function timeAnsible(root: string): { ms: number } | { skipped: string } {
  const bin = ["/usr/bin/ansible-playbook", "/usr/local/bin/ansible-playbook"].find((p) => fs.existsSync(p));
  if (!bin) return { skipped: "ansible-playbook is not installed" };
  const book = path.join(root, "play.yml");
  const tasks = Array.from({ length: ANSIBLE_TASKS }, (_, i) => `    - name: step ${i}\n      command: "true"`).join("\n");
  fs.writeFileSync(book, `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n${tasks}\n`);
  const env = { ...process.env, ANSIBLE_LOCALHOST_WARNING: "false", ANSIBLE_INVENTORY_UNPARSED_WARNING: "false", ANSIBLE_NOCOLOR: "1" };
  const t0 = performance.now();
  const r = spawnSync(bin, ["-i", "localhost,", book], { env, encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0) return { skipped: `ansible-playbook failed: ${(r.stderr || r.stdout).slice(0, 200)}` };
  return { ms };
}

export default async function run(): Promise<BenchTable[]> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-bench-engine-"));
  const loadBefore = os.loadavg()[0]!;
  try {
    // 1. no-op wave
    const waitRb = noopRunbook(STEPS);
    const est = benchEstate(APPS);
    const steps = APPS * STEPS;
    // Each wave beside its floor, interleaved, so both see the same load.
    const waves: Awaited<ReturnType<typeof runWave>>[] = [];
    const floors: { ms: number; cpu: number }[] = [];
    for (let i = 0; i < WAVES; i++) {
      const w = await runWave(tmpState(root, `noop${i}`), "noop", prepareAll(est, waitRb), est, 50);
      waves.push(w);
      floors.push(await timeGroupCommits(root, w.stats.records, w.stats.syncs, w.bytes));
    }
    const noop = waves[0]!;
    const waveMs = median(waves.map((w) => w.ms));
    const waveCpu = median(waves.map((w) => w.cpu));
    const floorMs = median(floors.map((f) => f.ms));
    const floorCpu = median(floors.map((f) => f.cpu));
    const rawMs = timeRawSyncs(root, RAW_SYNCS);
    const recordsPerStep = noop.stats.records / steps;

    // 2. resume of a 100,000-record journal
    const bigDir = tmpState(root, "big");
    await bigJournal(bigDir, RESUME_RECORDS);
    const bigFile = path.join(bigDir, "runs", "big", "journal.ndjson");
    const resumes: number[] = [];
    const parses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const j = await openJournal<RunEvent>(bigDir, "big", { mode: "resume", lock: false });
      foldEvents(j.recovered.map((r) => r.event));
      await j.close();
      resumes.push(performance.now() - t0);
      parses.push(timeBareParse(bigFile));
    }
    const resumeMs = Math.min(...resumes);
    const parseMs = Math.min(...parses);

    // 3. local `true` steps vs peers
    const localRb = Runbook.parse({ apiVersion: "ferry/v1", kind: "Runbook", name: "bench", steps: Array.from({ length: LOCAL_STEPS }, (_, i) => ({ id: `s${i}`, local: { run: "true" } })) });
    const lest = benchEstate(LOCAL_APPS);
    const lsteps = LOCAL_APPS * LOCAL_STEPS;
    const serial = await runWave(tmpState(root, "local1"), "local1", prepareAll(lest, localRb), lest, 1);
    const parallel = await runWave(tmpState(root, "local4"), "local4", prepareAll(lest, localRb), lest, 4);
    const shellMs = timeShell(lsteps);
    const ansible = timeAnsible(root);

    const perStep = (ms: number, n: number) => (ms / n).toFixed(2);
    const shellPer = shellMs / lsteps;
    const rows: (string | number)[][] = [
      [`ferry, ${LOCAL_APPS} apps × ${LOCAL_STEPS} local steps, concurrency 1`, lsteps, perStep(serial.ms, lsteps), ((serial.ms / lsteps) / shellPer).toFixed(2)],
      [`ferry, same, concurrency 4`, lsteps, perStep(parallel.ms, lsteps), ((parallel.ms / lsteps) / shellPer).toFixed(2)],
      ["plain shell loop (`sh -c true` per step, no journal)", lsteps, perStep(shellMs, lsteps), "1.00"],
    ];
    const notes = [
      `Machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), load average ${os.loadavg()[0]!.toFixed(1)} at the end; temp dir ${os.tmpdir()}.`,
      "ferry's figure includes spawning the shell in its own process group, 2 journal records per step fdatasync'd before acting, redaction, and the scheduler.",
    ];
    if ("ms" in ansible) rows.push([`ansible-playbook, localhost, connection=local, ${ANSIBLE_TASKS} command tasks`, ANSIBLE_TASKS, perStep(ansible.ms, ANSIBLE_TASKS), ((ansible.ms / ANSIBLE_TASKS) / shellPer).toFixed(2)]);
    else notes.push(`Peer skipped: ${ansible.skipped}.`);
    if ("ms" in ansible) notes.push("Ansible's per-task time includes its start-up (about a second), spread over its tasks.");

    const load = `load average ${loadBefore.toFixed(1)} before, ${os.loadavg()[0]!.toFixed(1)} after (${os.cpus().length} cores)`;
    const rawPerSec = RAW_SYNCS / (rawMs / 1000);
    return [
      {
        title: "Engine overhead: no-op wave with the durable journal",
        columns: ["wave", "steps", "seconds (median of 3)", "steps/s", "CPU µs per step (median)", "steps per CPU second", "journal records", "fdatasyncs", "fsyncs per step", "largest batch", "× floor (wall)"],
        rows: [
          [
            `${APPS} apps × ${STEPS} \`wait: 0s\` steps, concurrency 50`,
            steps,
            (waveMs / 1000).toFixed(2),
            Math.round(steps / (waveMs / 1000)),
            ((waveCpu * 1000) / steps).toFixed(1),
            Math.round(steps / (waveCpu / 1000)),
            noop.stats.records,
            noop.stats.syncs,
            (noop.stats.syncs / steps).toFixed(3),
            noop.stats.maxBatch,
            (waveMs / floorMs).toFixed(2),
          ],
          [
            `floor: the same records in the same number of group commits (one write + fdatasync each), no engine`,
            "-",
            (floorMs / 1000).toFixed(2),
            Math.round(steps / (floorMs / 1000)),
            ((floorCpu * 1000) / steps).toFixed(1),
            "-",
            noop.stats.records,
            noop.stats.syncs,
            (noop.stats.syncs / steps).toFixed(3),
            "-",
            "1.00",
          ],
        ],
        notes: [
          "Target ≥ 10,000 steps/s. Every record is durable before the engine acts on it; group commit shares one fdatasync among the records that arrive while one is in flight, and a step's success record shares its commit with the next step's start record.",
          `Medians of ${WAVES} waves, each followed by its floor in the same run; CPU is this process's user + sys time (process.cpuUsage), which other work on a shared machine does not inflate the way it does wall time. The floor's steps/s is what the disk allows at this batching.`,
          `This disk: ${(rawMs / RAW_SYNCS).toFixed(2)} ms per fdatasync one record at a time (${Math.round(rawPerSec)} records/s), so without group commit the wave could not pass ${Math.round(rawPerSec / recordsPerStep)} steps/s at ${recordsPerStep.toFixed(1)} records per step. ${load}.`,
        ],
      },
      {
        title: "Resume: rebuild a run from a 100,000-record journal",
        columns: ["reader", "records", "file MB", "ms (best of 3)", "× bare parse"],
        rows: [
          ["ferry: open + verify every checksum and link + fold", RESUME_RECORDS, (fs.statSync(bigFile).size / 1e6).toFixed(1), resumeMs.toFixed(0), (resumeMs / parseMs).toFixed(2)],
          ["peer: bare JSON.parse of every line (no checks, no fold)", RESUME_RECORDS, (fs.statSync(bigFile).size / 1e6).toFixed(1), parseMs.toFixed(0), "1.00"],
        ],
        notes: [`Target < 1 s. ferry's figure includes reading the file, checking every record's checksum and hash-chain link, and folding the events into run state. ${load}.`],
      },
      { title: "Engine overhead per `local` step, beside peers", columns: ["runner", "steps", "ms per step", "× shell loop"], rows, notes },
    ];
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { renderTable } = await import("./table.js");
  for (const t of await run()) console.log(renderTable(t));
}
