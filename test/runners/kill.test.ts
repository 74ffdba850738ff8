/**
 * Site runners killed with SIGKILL at random points while they run an application whose steps
 * must not run twice (each appends a marker to a ledger; none is idempotent). Another runner of
 * the same site takes the job over once the dead one's registration lapses, and continues its
 * run as `ferry resume` would, once the dead runner's lease on the run has expired. The journals
 * are in the same PostgreSQL database as the queue, as `ferry runner --state URL` keeps them. Over every trial: no marker twice, no step the journal calls done
 * without its marker, and every application ends (succeeded, or parked uncertain for a person).
 *
 * FERRY_RUNNER_KILL_TRIALS sets the number of trials (default 30); FERRY_RUNNER_KILL_SEED replays one.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { ledger, planAndApprove, runProject } from "../cli/run-project.js";
import { operatorName, type RunsContext } from "../../src/runs/context.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { readRun } from "../../src/runs/history.js";
import { openState } from "../../src/state/open.js";
import { openPool } from "../../src/state/postgres/connect.js";
import { migrate } from "../../src/state/postgres/migrate.js";
import { queueWave, watchBatch } from "../../src/runners/coordinator.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const TRIALS = Number(process.env.FERRY_RUNNER_KILL_TRIALS ?? 30);
const SEED = Number(process.env.FERRY_RUNNER_KILL_SEED ?? Date.now() % 100_000);
const LEASE_MS = 1000;
const STEPS = ["s1", "s2", "s3", "s4"];

function prng(seed: number): () => number {
  let x = seed || 1;
  return () => ((x = (x * 48271) % 2147483647) / 2147483647);
}

const step = (id: string) => `  - id: ${id}
    idempotent: false
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; sleep 0.1" }
`;

interface Child {
  proc: ChildProcess;
  lines: string[];
  until(pred: (n: { type: string }) => boolean, ms?: number): Promise<void>;
  exited: Promise<void>;
}

function startChild(bundle: string, cfg: object): Child {
  const proc = spawn(process.execPath, [bundle], { cwd: REPO, env: { ...process.env, FERRY_LEASE_SECONDS: String(LEASE_MS / 1000), FERRY_RUNNER_CHILD: JSON.stringify(cfg) }, stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let buf = "";
  const waiters: { pred: (n: { type: string }) => boolean; resolve: () => void }[] = [];
  proc.stdout!.on("data", (d: Buffer) => {
    buf += d.toString();
    let i: number;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      lines.push(`${Date.now() % 100000} ${line}`);
      if (process.env.DBG) console.log(`${Date.now() % 100000} ${line}`);
      let n: { type: string } | undefined;
      try {
        n = JSON.parse(line) as { type: string };
      } catch {
        continue;
      }
      for (const w of waiters.splice(0)) {
        if (w.pred(n)) w.resolve();
        else waiters.push(w);
      }
    }
  });
  let stderr = "";
  proc.stderr!.on("data", (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((r) => proc.once("exit", () => r()));
  return {
    proc,
    lines,
    exited,
    until: (pred, ms = 20_000) =>
      new Promise<void>((resolve, reject) => {
        if (lines.some((l) => { try { return pred(JSON.parse(l.slice(l.indexOf(" ") + 1)) as { type: string }); } catch { return false; } })) return resolve();
        const t = setTimeout(() => reject(new Error(`runner child did not report in ${ms} ms:\n${lines.join("\n")}\n${stderr}`)), ms);
        waiters.push({ pred, resolve: () => (clearTimeout(t), resolve()) });
        void exited.then(() => reject(new Error(`runner child exited:\n${lines.join("\n")}\n${stderr}`)));
      }),
  };
}

describe.skipIf(postgresMissingReason())("site runners killed with SIGKILL mid-step", () => {
  const pgs = usePostgres();
  let url: string;
  let pool: pg.Pool;
  let bundle: string;

  beforeAll(async () => {
    url = await pgs.server.createDatabase();
    const opened = await openPool(url);
    pool = opened.pool;
    await migrate(pool, opened.config);
    const out = join(REPO, "test-artifacts", `runner-child-${process.pid}.mjs`);
    mkdirSync(join(REPO, "test-artifacts"), { recursive: true });
    const { build } = await import("esbuild");
    await build({ entryPoints: [join(REPO, "test/runners/fixtures/runner-child.ts")], bundle: true, platform: "node", format: "esm", packages: "external", outfile: out, logLevel: "warning" });
    bundle = out;
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
  });

  it(`another runner of the site continues: ${TRIALS} trials, 0 duplicates, 0 lost (seed ${SEED})`, async () => {
    const random = prng(SEED);
    // One project, one plan: each trial queues one application of the wave.
    const apps = Array.from({ length: TRIALS }, (_, t) => `k${t}`);
    const dir = runProject(apps.map((id) => ({ id, runbook: "move" })), { move: `steps:\n${STEPS.map(step).join("")}` });
    // A host each: a run parked uncertain holds its hosts, and must not hold the next trial's.
    const estate = join(dir, "estate", "apps.yaml");
    let text = readFileSync(estate, "utf8");
    for (const id of apps) text = text.replace(`    name: ${id}\n`, `    name: ${id}\n    HOSTS_${id}\n`);
    text = text.replace(/ {4}HOSTS_(\S+)\n((?:.*\n)*?) {4}hosts: \[app01\]\n/g, (_m, id: string, mid: string) => `${mid}    hosts: [h-${id}]\n`);
    text = text.replace("hosts:\n  - { id: app01, site: guildhall, address: 127.0.0.1, os: linux }\n", `hosts:\n${apps.map((id) => `  - { id: h-${id}, site: guildhall, address: 127.0.0.1, os: linux }\n`).join("")}`);
    writeFileSync(estate, text);
    const plan = await planAndApprove(dir);
    const state = openState({ state: url, dir, env: process.env });
    const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), state, operator: operatorName(), env: process.env };
    const cfg = { url, site: "guildhall", dir, leaseMs: LEASE_MS };
    const figures = { trials: 0, duplicates: 0, lost: 0, uncertain: 0, succeeded: 0, takeovers: 0, continued: 0, failures: [] as string[] };
    for (let t = 0; t < TRIALS; t++) {
      const app = apps[t]!;
      const a = startChild(bundle, cfg);
      let b: Child | undefined;
      try {
        await a.until((n) => n.type === "runner.started");
        const { batch } = await queueWave(ctx, pool, await prepareWave(ctx, { plan, wave: 1, only: [app] }));
        await a.until((n) => n.type === "job.taken");
        // Anywhere from taking the job to past its last step.
        await new Promise((r) => setTimeout(r, Math.floor(random() * 900)));
        a.proc.kill("SIGKILL");
        await a.exited;
        b = startChild(bundle, cfg);
        const progress = await watchBatch(ctx, pool, batch, { graceMs: 60_000, pollMs: 100, signal: AbortSignal.timeout(60_000) });
        const p = progress.apps[0]!;
        figures.trials++;
        if (!progress.done) figures.failures.push(`trial ${t}: not settled after 60 s: ${JSON.stringify(p)}`);
        if (p.runId && b.lines.some((l) => l.includes('"job.taken"'))) figures.takeovers++;
        if (b.lines.some((l) => l.includes('"continues"'))) figures.continued++;
        const lines = ledger(join(dir, "ledger")).filter((l) => l.endsWith(`:${app}`));
        const counts = new Map<string, number>();
        for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
        const dups = [...counts].filter(([, c]) => c > 1);
        figures.duplicates += dups.length;
        if (dups.length) figures.failures.push(`trial ${t}: ${JSON.stringify(dups)}`);
        if (!p.runId) {
          figures.failures.push(`trial ${t}: no run (${p.status})`);
          continue;
        }
        const appState = (await readRun(state, p.runId)).apps.get(app)!;
        for (const s of STEPS) {
          const st = appState.steps.get(s)!;
          if (st.status === "succeeded" && !counts.has(`run:${s}:${app}`)) {
            figures.lost++;
            figures.failures.push(`trial ${t}: ${s} journalled succeeded without its marker`);
          }
        }
        if (appState.status === "succeeded") {
          figures.succeeded++;
          const missing = STEPS.filter((s) => !counts.has(`run:${s}:${app}`));
          if (missing.length) {
            figures.lost += missing.length;
            figures.failures.push(`trial ${t}: succeeded without ${missing.join(", ")}`);
          }
        } else if (appState.status === "uncertain") figures.uncertain++;
        else figures.failures.push(`trial ${t}: ended ${appState.status}`);
      } finally {
        a.proc.kill("SIGKILL");
        if (b) {
          b.proc.kill("SIGTERM");
          await b.exited;
        }
      }
    }
    await state.close();
    console.log(`runner kill -9 trials: ${JSON.stringify(figures)}`);
    expect(figures.failures).toEqual([]);
    expect(figures).toMatchObject({ trials: TRIALS, duplicates: 0, lost: 0 });
    expect(figures.succeeded + figures.uncertain).toBe(TRIALS);
  }, 600_000);
});
