import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, existsSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer } from "../harness/http-server.js";
import type { TestHttpServer } from "../harness/http-server.js";
import { processGone } from "../harness/processes.js";
import { MemoryJournal } from "../harness/memory-journal.js";
import { approveGate, readRunState } from "../../src/engine/resume.js";
import { resumeRun } from "../../src/engine/run.js";
import { Redactor } from "../../src/engine/redact.js";
import { ndjsonListener } from "../../src/engine/output/ndjson.js";
import { plainListener } from "../../src/engine/output/plain.js";
import { createRunLogger, loggerListener } from "../../src/engine/output/logger.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { estate, prepareAll, realActions, runbook, runWith, silentLog, trace } from "./helpers.js";

let http: TestHttpServer;
beforeAll(async () => {
  http = await startHttpServer();
});
afterAll(async () => {
  await http.close();
});

const realTime = { sleep: undefined, clock: undefined };

describe("with real processes and servers on 127.0.0.1", () => {
  it("kills the whole process tree when a step times out", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-timeout-"));
    const pidFile = join(dir, "grandchild.pid");
    const rb = runbook("slow", {
      steps: [{ id: "hang", local: { run: `sleep 60 & echo $! > ${pidFile}; wait` }, timeout: "300ms", idempotent: true }],
    });
    const est = estate([{ id: "revs" }]);
    const t0 = Date.now();
    const run = await runWith(prepareAll(est, rb), est, realActions(), realTime);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(run.exitCode).toBe(1);
    const failed = run.events.find((e) => e.type === "step.failed");
    expect(failed && "error" in failed ? failed.error : undefined).toMatchObject({ timedOut: true });
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(await processGone(pid)).toBe(true);
  });

  it("a flapping health check passes only after `consecutive` successes in a row", async () => {
    const pattern = [503, 200, 503, 200, 200, 503, 200, 200, 200];
    http.route("/flap-pass", (_req, n) => ({ status: pattern[Math.min(n, pattern.length - 1)] ?? 200 }));
    const rb = runbook("gate", {
      steps: [{ id: "noop", wait: "0s" }],
      verify: [{ id: "healthy", http: { url: `${http.url}/flap-pass`, expect: { status: 200 } }, consecutive: 3, interval: "20ms", within: "10s" }],
    });
    const est = estate([{ id: "revs" }]);
    const run = await runWith(prepareAll(est, rb), est, realActions(), realTime);
    expect(run.exitCode).toBe(0);
    const counts = run.events.flatMap((e) => (e.type === "verify.probe" ? [e.consecutive] : []));
    expect(counts).toEqual([0, 1, 0, 1, 2, 0, 1, 2, 3]);
  });

  it("a health check that keeps flapping fails the gate within its deadline and rolls back", async () => {
    http.route("/flap-fail", [{ status: 200 }, { status: 200 }, { status: 503 }]);
    const dir = mkdtempSync(join(tmpdir(), "ferry-flap-"));
    const rb = runbook("gate", {
      steps: [{ id: "change", local: { run: `echo on > ${dir}/state` }, rollback: { local: { run: `echo off > ${dir}/state` } } }],
      verify: [{ id: "healthy", http: { url: `${http.url}/flap-fail` }, consecutive: 3, interval: "20ms", within: "600ms" }],
    });
    const est = estate([{ id: "revs" }]);
    const t0 = Date.now();
    const run = await runWith(prepareAll(est, rb), est, realActions(), realTime);
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(run.exitCode).toBe(1);
    const probes = run.events.flatMap((e) => (e.type === "verify.probe" ? [e] : []));
    expect(probes.map((p) => p.consecutive).slice(0, 4)).toEqual([1, 2, 0, 1]);
    expect(probes.some((p) => p.consecutive >= 3)).toBe(false);
    const failed = run.events.find((e) => e.type === "verify.failed");
    expect(failed).toMatchObject({ reason: expect.stringMatching(/^3 successful probe\(s\) in a row not reached within 600ms \(last: /) });
    expect(readFileSync(join(dir, "state"), "utf8")).toBe("off\n");
    expect(run.state.apps.get("revs")!.status).toBe("rolled-back");
  });

  it("a failed gate reports the last probe that answered, not one its own deadline cut short", async () => {
    http.route("/sick-then-slow", (_req, n) => (n === 0 ? { status: 503 } : { status: 200, delayMs: 5000 }));
    const rb = runbook("gate", {
      steps: [{ id: "noop", wait: "0s" }],
      verify: [{ id: "healthy", http: { url: `${http.url}/sick-then-slow`, expect: { status: 200 } }, consecutive: 1, interval: "20ms", within: "500ms" }],
    });
    const est = estate([{ id: "revs" }]);
    const run = await runWith(prepareAll(est, rb), est, realActions(), realTime);
    expect(run.exitCode).toBe(1);
    const failed = run.events.find((e) => e.type === "verify.failed");
    expect(failed).toMatchObject({ reason: expect.stringMatching(/\(last: .*503/) });
  });

  it("an approval gate parks its application while others finish, exits 4, and resume continues after approval", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-gate-"));
    const ledger = join(dir, "ledger");
    const gated = runbook("gated", {
      steps: [
        { id: "prepare", local: { run: `echo {{ app.id }}:prepare >> ${ledger}` } },
        { id: "cab", approval: { message: "Cut over {{ app.id }}?" } },
        { id: "cutover", local: { run: `echo {{ app.id }}:cutover >> ${ledger}` } },
      ],
    });
    const plain = runbook("plain", { steps: [{ id: "go", local: { run: `echo {{ app.id }}:go >> ${ledger}` } }] });
    const est = estate([{ id: "revs" }, { id: "payroll" }]);
    const apps = [...prepareAll({ ...est, applications: [est.applications[0]!] }, gated), ...prepareAll({ ...est, applications: [est.applications[1]!] }, plain)];
    const journal = new MemoryJournal<RunEvent>();
    const first = await runWith(apps, est, realActions(), { journal });
    expect(first.exitCode).toBe(4);
    expect(first.state.apps.get("revs")!.status).toBe("waiting");
    expect(first.state.apps.get("payroll")!.status).toBe("succeeded");

    const state = await readRunState(journal);
    await expect(approveGate(journal, state, { app: "revs", step: "cab", by: "tester" })).rejects.toThrow(/cannot approve its own gate/);
    await expect(approveGate(journal, state, { app: "revs", step: "prepare", by: "cab-chair" })).rejects.toThrow(/not an approval gate/);
    await expect(approveGate(journal, state, { app: "revs", step: "cab", by: "cab-chair", planHash: "sha256:other" })).resolves.toBeUndefined();
    const approved = await readRunState(journal);
    expect(approved.apps.get("revs")!.steps.get("cab")!.gate?.approvedBy).toBe("cab-chair");

    const second = await resumeRun(
      { journal, actions: realActions(), estate: est, cwd: process.cwd(), log: silentLog },
      { runId: first.runId, operator: "tester", apps },
    );
    expect(second.exitCode).toBe(0);
    expect(readFileSync(ledger, "utf8").split("\n").filter(Boolean).sort()).toEqual(["payroll:go", "revs:cutover", "revs:prepare"]);
  });

  it("never lets a secret or its encodings reach the journal, logs, NDJSON, progress lines or errors", async () => {
    const canary = `canary-${randomBytes(12).toString("hex")}`;
    const forms = [canary, Buffer.from(canary).toString("base64"), Buffer.from(canary).toString("hex"), Buffer.from(`svc:${canary}`).toString("base64").slice(8, 30)];
    const dir = mkdtempSync(join(tmpdir(), "ferry-secret-"));
    http.route("/api", (req) => ({ status: 200, body: `you sent ${req.headers.authorization}` }));
    const rb = runbook("secret", {
      inputs: { password: { type: "secret", default: "FERRY_TEST_CANARY" } },
      steps: [
        { id: "use", local: { run: `echo {{ password }}; printf %s {{ password }} | base64; printf %s {{ password }} | od -An -tx1 | tr -d ' \\n'; echo` } },
        { id: "call", http: { url: `${http.url}/api`, headers: { Authorization: "Bearer {{ password }}" } } },
        { id: "basic", local: { run: `printf %s "svc:"{{ password }} | base64` } },
        { id: "fail", local: { run: `echo "login failed for {{ password }}" >&2; exit 3` } },
      ],
    });
    const est = estate([{ id: "revs" }]);
    const env = { FERRY_TEST_CANARY: canary };
    const redactor = new Redactor();
    const ndjson: string[] = [];
    const plainOut: string[] = [];
    const logFile = join(dir, "log.ndjson");
    const { log, flush } = createRunLogger({ file: logFile, level: "trace", redactor });
    const apps = prepareAll(est, rb, env);
    const run = await runWith(apps, est, realActions(), {
      ...realTime,
      redactor,
      log,
      listeners: [ndjsonListener((l) => void ndjson.push(l)), plainListener((l) => void plainOut.push(l)), loggerListener(log)],
    });
    log.error({ err: new Error(`boom ${canary}`), detail: { nested: canary } }, `direct log of ${canary}`);
    flush();
    await new Promise((r) => setTimeout(r, 100));
    flush();
    expect(run.exitCode).toBe(1);
    const journalText = JSON.stringify(await run.journal.records());
    // the secret really was used: the server saw it, and the output was captured (redacted)
    expect(http.requests.some((r) => r.headers.authorization === `Bearer ${canary}`)).toBe(true);
    expect(journalText).toContain("***");
    const logText = readFileSync(logFile, "utf8");
    expect(logText.length).toBeGreaterThan(0);
    const failure = run.state.apps.get("revs")!.steps.get("fail")!.error!.message;
    for (const sink of [journalText, ndjson.join(""), plainOut.join(""), logText, failure, run.state.apps.get("revs")!.reason ?? ""]) {
      for (const f of forms) expect(sink.includes(f), `found ${f}`).toBe(false);
    }
    // commands carry a reference to the environment, never the value (ps shows argv)
    const started = run.events.find((e) => e.type === "step.started" && e.step === "use");
    expect(started && "command" in started ? started.command : "").toContain(`"$FERRY_SECRET_PASSWORD"`);
  });

  it("writes every marker exactly once in an uninterrupted run (the crash test's reference)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-ref-"));
    const ledger = join(dir, "ledger");
    appendFileSync(ledger, "");
    const rb = runbook("markers", {
      steps: [1, 2, 3].map((n) => ({ id: `m${n}`, local: { run: `flock ${ledger} sh -c 'echo run:m${n}:{{ app.id }}:1 >> ${ledger}'` } })),
    });
    const est = estate([{ id: "a1" }, { id: "a2" }]);
    const run = await runWith(prepareAll(est, rb), est, realActions(), realTime);
    expect(run.exitCode).toBe(0);
    expect(readFileSync(ledger, "utf8").split("\n").filter(Boolean)).toHaveLength(6);
    expect(existsSync(ledger)).toBe(true);
    expect(trace(run.events, ["run.finished"])).toEqual(["run.finished"]);
  });
});
