/**
 * Crash safety (RELIABILITY rows 1 and 9): a child process runs the marker wave on the durable
 * journal and is SIGKILLed right after a random journal record; the test then resumes it at
 * once, as an operator would, settling uncertain steps by looking at the ledger. It does not
 * wait for the killed ferry's marker commands: resume waits for their process groups itself. Every marker must be
 * written exactly once (or its step parked as uncertain first), and the final state must equal
 * an uninterrupted run's.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, existsSync, truncateSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { openJournal } from "../../src/journal/index.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { resumeRun } from "../../src/engine/run.js";
import { readRunState, settleStep } from "../../src/engine/resume.js";
import type { RunState } from "../../src/engine/state.js";
import { createLocalAction } from "../../src/actions/local.js";
import { markerApps, markerEstate } from "./fixtures/markers.js";
import { silentLog } from "./helpers.js";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const CHILD = join(REPO, "test-artifacts", `crash-child-${process.pid}.mjs`);
const TRIALS = Number(process.env.FERRY_CRASH_TRIALS ?? 32);
const SEED = Number(process.env.FERRY_CRASH_SEED ?? Date.now() % 100_000);

beforeAll(async () => {
  // Bundle the child once: starting it through tsx 30+ times would cost most of the suite's time.
  const { build } = await import("esbuild");
  await build({
    entryPoints: [join(REPO, "test/engine/fixtures/crash-child.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: CHILD,
    logLevel: "warning",
  });
});

function runChild(stateDir: string, ledger: string, runId: string, crashAt: number): Promise<{ code: number | null; signal: string | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, stateDir, ledger, runId], {
      cwd: REPO,
      env: { ...process.env, FERRY_CRASH_AT_RECORD: String(crashAt) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, out }));
  });
}

function ledgerLines(ledger: string): string[] {
  return existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean).sort() : [];
}

/** What "the same final state" means: every application's and step's status. */
function summary(s: RunState): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of s.apps.values()) {
    out[a.id] = a.status;
    for (const st of a.steps.values()) out[`${a.id}/${st.id}`] = st.status;
  }
  return out;
}

/** Resume until the run ends, settling uncertain steps from the ledger like an operator. */
async function resumeToEnd(stateDir: string, ledger: string, runId: string): Promise<{ state: RunState; parks: number; exitCode: number }> {
  let parks = 0;
  for (let round = 0; round < 6; round++) {
    const journal = await openJournal<RunEvent>(stateDir, runId, { mode: "resume" });
    try {
      let state = await readRunState(journal);
      for (const app of state.apps.values()) {
        for (const st of app.steps.values()) {
          if (st.status !== "uncertain") continue;
          parks++;
          const marker = `${st.uncertainPhase === "rollback" ? "undo" : "run"}:${st.id}:${app.id}`;
          const outcome = ledgerLines(ledger).includes(marker) ? "done" : "not-done";
          await settleStep(journal, state, { app: app.id, step: st.id, outcome, by: "operator" });
        }
      }
      state = await readRunState(journal);
      const out = await resumeRun(
        { journal, actions: { local: createLocalAction() }, estate: markerEstate(), cwd: REPO, log: silentLog, budget: { kind: "unlimited" }, concurrency: 2 },
        { runId, operator: "operator", apps: markerApps(ledger) },
      );
      if (out.exitCode !== 4) return { state: out.state, parks, exitCode: out.exitCode };
    } finally {
      await journal.close();
    }
  }
  throw new Error("run did not settle in 6 resumes");
}

/** A small deterministic PRNG, so a failing seed can be replayed with FERRY_CRASH_SEED. */
function prng(seed: number): () => number {
  let x = seed || 1;
  return () => ((x = (x * 48271) % 2147483647) / 2147483647);
}

describe("crash safety", () => {
  let reference: { summary: Record<string, string>; ledger: string[]; records: number };

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-crash-ref-"));
    const ledger = join(dir, "ledger");
    const r = await runChild(join(dir, "state"), ledger, "ref", 0);
    expect(JSON.parse(r.out).exitCode).toBe(1); // a3 fails and rolls back: exit 1
    const journal = await openJournal<RunEvent>(join(dir, "state"), "ref", { mode: "resume" });
    const state = await readRunState(journal);
    await journal.close();
    reference = { summary: summary(state), ledger: ledgerLines(ledger), records: JSON.parse(r.out).records as number };
    expect(reference.ledger).toHaveLength(15);
  }, 60_000);

  it(`every marker is written exactly once and the final state equals an uninterrupted run, over ${TRIALS} random kill points`, async () => {
    const rand = prng(SEED);
    const points = Array.from({ length: TRIALS }, (_, i) => (i < reference.records ? i + 1 : 1 + Math.floor(rand() * reference.records)));
    let parks = 0;
    const failures: string[] = [];
    const trial = async (crashAt: number, i: number) => {
      const dir = mkdtempSync(join(tmpdir(), "ferry-crash-"));
      const stateDir = join(dir, "state");
      const ledger = join(dir, "ledger");
      const runId = `crash-${i}`;
      const r = await runChild(stateDir, ledger, runId, crashAt);
      if (r.signal !== "SIGKILL") failures.push(`trial ${i} (record ${crashAt}): child was not killed (${r.code})`);
      const end = await resumeToEnd(stateDir, ledger, runId);
      parks += end.parks;
      const lines = ledgerLines(ledger);
      if (JSON.stringify(lines) !== JSON.stringify(reference.ledger)) failures.push(`trial ${i} (record ${crashAt}): ledger ${JSON.stringify(lines)}`);
      if (JSON.stringify(summary(end.state)) !== JSON.stringify(reference.summary)) failures.push(`trial ${i} (record ${crashAt}): state ${JSON.stringify(summary(end.state))}`);
      if (end.exitCode !== 1) failures.push(`trial ${i}: exit ${end.exitCode}`);
    };
    // Two trials at a time: the machine has two cores.
    for (let i = 0; i < points.length; i += 2) await Promise.all(points.slice(i, i + 2).map((p, k) => trial(p, i + k)));
    expect(failures, `seed ${SEED}`).toEqual([]);
    console.info(`crash test: ${TRIALS} trials (seed ${SEED}), ${parks} uncertain parks settled, 0 duplicate or lost markers`);
  }, 110_000);

  it("a torn last record (crash mid-write) is dropped with a warning and the run resumes to the same end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-torn-"));
    const stateDir = join(dir, "state");
    const ledger = join(dir, "ledger");
    const crashAt = Math.max(2, Math.floor(reference.records / 2));
    await runChild(stateDir, ledger, "torn", crashAt);
    const file = join(stateDir, "runs", "torn", "journal.ndjson");
    const text = readFileSync(file, "utf8");
    // Group commit: the batch that made record `crashAt` durable may hold later records too,
    // so the file can end past `crashAt`. Whatever it holds, only the torn last one is lost.
    const durable = text.split("\n").filter(Boolean).length;
    expect(durable).toBeGreaterThanOrEqual(crashAt);
    const lastStart = text.lastIndexOf("\n", text.length - 2) + 1;
    // cut the last record in the middle: as if the process died inside write(2)
    truncateSync(file, lastStart + Math.floor((text.length - lastStart) / 2));
    const size = statSync(file).size;
    const journal = await openJournal<RunEvent>(stateDir, "torn", { mode: "resume" });
    expect(journal.warnings.map((w) => w.kind)).toEqual(["torn-tail"]);
    expect(journal.recovered).toHaveLength(durable - 1);
    await journal.close();
    expect(statSync(file).size).toBeLessThan(size);
    const end = await resumeToEnd(stateDir, ledger, "torn");
    expect(ledgerLines(ledger)).toEqual(reference.ledger);
    expect(summary(end.state)).toEqual(reference.summary);
  }, 30_000);
});
