/**
 * Crash safety beyond the first run (issue 12, "Tests and evidence"): ferry is SIGKILLed at a
 * random journal record while it runs, again while it resumes, and again while it rolls back,
 * with steps that take a while (so each kill leaves a running orphan: a local process group,
 * or a remote command over SSH against a real sshd) and `check` probes on some steps. Nothing
 * here waits for the orphans: resume must. An operator settles uncertain steps from the ledger.
 * Every marker must end written exactly once, every undo exactly once.
 *
 * Replay a failure with FERRY_RESUME_CRASH_SEED=<seed> (logged); FERRY_RESUME_CRASH_TRIALS
 * sets the trials per transport.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openJournal } from "../../src/journal/index.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { resumeRun } from "../../src/engine/run.js";
import { readRunState, settleStep } from "../../src/engine/resume.js";
import { createLocalAction } from "../../src/actions/local.js";
import { createSshActions } from "../../src/actions/ssh/index.js";
import type { ActionRegistry } from "../../src/actions/types.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../harness/sshd.js";
import type { ClientKey, Sshd } from "../harness/sshd.js";
import { hostFor, knownHostsFile, removeTempDirs, tempDir } from "../actions/ssh/helpers.js";
import { slowApps, slowEstate } from "./fixtures/slow-markers.js";
import type { SlowOptions, Where } from "./fixtures/slow-markers.js";
import type { ChildConfig } from "./fixtures/run-child.js";
import { bundleChild, REPO, runChild } from "./run-child.js";

const TRIALS = Number(process.env.FERRY_RESUME_CRASH_TRIALS ?? 30);
const SEED = Number(process.env.FERRY_RESUME_CRASH_SEED ?? Date.now() % 100_000);
const APPS = ["a1", "a2"];
const STEPS = ["s1", "s2", "s3"];
const SLEEP = 0.15;
const EXPECTED = APPS.flatMap((a) => STEPS.flatMap((s) => [`run:${s}:${a}`, `undo:${s}:${a}`])).sort();
const missing = sshdMissingReason();

function prng(seed: number): () => number {
  let x = seed || 1;
  return () => ((x = (x * 48271) % 2147483647) / 2147483647);
}

function ledgerLines(ledger: string): string[] {
  return existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean).sort() : [];
}

interface Figures {
  runs: number;
  kills: { run: number; resume: number; rollback: number };
  duplicates: number;
  lost: number;
  uncertain: number;
  orphans: number;
  failures: string[];
}

let bundle: string;
let sshd: Sshd | undefined;
let key: ClientKey | undefined;
let sshCfg: ChildConfig["ssh"];

beforeAll(async () => {
  bundle = await bundleChild("resume-crash");
  if (!missing) {
    key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey], maxSessions: 20 });
    sshCfg = { projectDir: tempDir("ferry-proj-"), knownHosts: knownHostsFile(sshd.knownHostsLines), identity: key.privateKeyPath };
  }
}, 60_000);
afterAll(async () => {
  await sshd?.stop();
  removeTempDirs();
});

function actionsFor(where: Where): { registry: ActionRegistry; close: () => Promise<void> } {
  const local = createLocalAction({ killGraceMs: 300 });
  if (where === "local") return { registry: { local }, close: async () => {} };
  const ssh = createSshActions({ projectDir: sshCfg!.projectDir, knownHostsFiles: [sshCfg!.knownHosts], sshConfigPath: false, agent: false, identityFiles: [sshCfg!.identity], killGraceMs: 500 });
  return { registry: { local, ssh: ssh.ssh }, close: () => ssh.close() };
}

/** Resume until the run ends, settling uncertain steps from the ledger like an operator. */
async function resumeToEnd(stateDir: string, runId: string, slow: SlowOptions): Promise<{ status: string; exitCode: number; parks: number; orphans: number }> {
  let parks = 0;
  for (let round = 0; round < 8; round++) {
    const journal = await openJournal<RunEvent>(stateDir, runId, { mode: "resume" });
    const actions = actionsFor(slow.where);
    try {
      let state = await readRunState(journal);
      for (const app of state.apps.values()) {
        for (const st of app.steps.values()) {
          if (st.status !== "uncertain") continue;
          parks++;
          const marker = `${st.uncertainPhase === "rollback" ? "undo" : "run"}:${st.id}:${app.id}`;
          const outcome = ledgerLines(slow.ledger).includes(marker) ? "done" : "not-done";
          await settleStep(journal, state, { app: app.id, step: st.id, outcome, by: "operator" });
        }
      }
      state = await readRunState(journal);
      const out = await resumeRun(
        { journal, actions: actions.registry, estate: slowEstate(slow), cwd: REPO, log: pino({ level: "silent" }), budget: { kind: "unlimited" }, concurrency: 2 },
        { runId, operator: "operator", apps: slowApps(slow) },
      );
      if (out.exitCode !== 4) {
        const orphans = (await journal.records()).filter((r) => r.event.type === "step.orphan").length;
        return { status: out.status, exitCode: out.exitCode, parks, orphans };
      }
    } finally {
      await actions.close();
      await journal.close();
    }
  }
  throw new Error("run did not settle in 8 resumes");
}

/** One trial: kill the run, kill its resume, finish it; kill its rollback, finish that. */
async function trial(where: Where, i: number, rand: () => number, fig: Figures): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), `ferry-rcrash-${where}-`));
  chmodSync(dir, 0o777); // the SSH login user may be another account
  const ledger = join(dir, "ledger");
  writeFileSync(ledger, "", { mode: 0o666 });
  chmodSync(ledger, 0o666);
  const slow: SlowOptions = { ledger, where, apps: APPS, sleep: SLEEP, steps: STEPS, ...(where === "ssh" ? { host: hostFor("h1", sshd!) } : {}) };
  const stateDir = join(dir, "state");
  const runId = `rc-${where}-${i}`;
  const base = { stateDir, runId, slow, ...(where === "ssh" ? { ssh: sshCfg } : {}) };
  const tag = `${where} trial ${i}`;
  // A run has about 24 records; kill in its first half so the resume has work left.
  const k1 = 1 + Math.floor(rand() * 12);
  const k2 = 1 + Math.floor(rand() * 6);
  const k3 = 1 + Math.floor(rand() * 14);
  const first = await runChild(bundle, { ...base, mode: "start", crashAt: k1 });
  if (first.killed) fig.kills.run++;
  const second = await runChild(bundle, { ...base, mode: "resume", crashAt: k2 });
  if (second.killed) fig.kills.resume++;
  const forward = await resumeToEnd(stateDir, runId, slow);
  if (forward.exitCode !== 0) fig.failures.push(`${tag} (k ${k1}/${k2}): the run ended ${forward.status}`);
  const third = await runChild(bundle, { ...base, mode: "rollback", crashAt: k3 });
  if (third.killed) fig.kills.rollback++;
  const back = await resumeToEnd(stateDir, runId, slow);
  if (back.status !== "rolled-back") fig.failures.push(`${tag} (k ${k1}/${k2}/${k3}): the rollback ended ${back.status}`);
  fig.runs++;
  fig.uncertain += forward.parks + back.parks;
  fig.orphans += back.orphans;
  const lines = ledgerLines(ledger);
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  const dups = [...counts].filter(([, n]) => n > 1);
  const lost = EXPECTED.filter((l) => !counts.has(l));
  fig.duplicates += dups.reduce((s, [, n]) => s + n - 1, 0);
  fig.lost += lost.length;
  if (dups.length || lost.length) fig.failures.push(`${tag} (k ${k1}/${k2}/${k3}): duplicates ${JSON.stringify(dups)} lost ${JSON.stringify(lost)}`);
}

async function campaign(where: Where): Promise<Figures> {
  const rand = prng(SEED + (where === "ssh" ? 1 : 0));
  const fig: Figures = { runs: 0, kills: { run: 0, resume: 0, rollback: 0 }, duplicates: 0, lost: 0, uncertain: 0, orphans: 0, failures: [] };
  const plans = Array.from({ length: TRIALS }, (_, i) => i);
  // Four at a time: the trials mostly sleep in their marker commands.
  for (let i = 0; i < plans.length; i += 4) await Promise.all(plans.slice(i, i + 4).map((n) => trial(where, n, rand, fig)));
  console.info(
    `resume/rollback crash test (${where}, seed ${SEED}): ${fig.runs} runs, kills ${fig.kills.run} in runs + ${fig.kills.resume} in resumes + ${fig.kills.rollback} in rollbacks, ` +
      `${fig.duplicates} duplicates, ${fig.lost} lost, ${fig.uncertain} uncertain settled by the operator, ${fig.orphans} orphan process groups found and waited for or killed on resume`,
  );
  return fig;
}

describe("kill -9 during resume and during rollback, with orphans and check probes", () => {
  it(`local steps: ${TRIALS} runs, each killed in its run, its resume and its rollback`, async () => {
    const fig = await campaign("local");
    expect(fig.failures, `seed ${SEED}`).toEqual([]);
    expect(fig.kills.resume).toBeGreaterThanOrEqual(Math.min(30, TRIALS - 2));
    expect(fig.kills.rollback).toBeGreaterThanOrEqual(Math.min(30, TRIALS - 2));
  }, 300_000);

  it.skipIf(missing)(`ssh steps against a real sshd: ${TRIALS} runs, each killed in its run, its resume and its rollback`, async () => {
    const fig = await campaign("ssh");
    expect(fig.failures, `seed ${SEED}`).toEqual([]);
    expect(fig.kills.resume).toBeGreaterThanOrEqual(Math.min(30, TRIALS - 2));
    expect(fig.kills.rollback).toBeGreaterThanOrEqual(Math.min(30, TRIALS - 2));
  }, 300_000);
});
