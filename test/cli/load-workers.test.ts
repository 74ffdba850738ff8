/**
 * Estate files checked in worker threads (FERRY_LOAD_WORKERS), end to end through the built CLI:
 * the output, every diagnostic with its file:line:col, and the plan are byte-identical with and
 * without workers. NODE_DEBUG=ferry-load makes the loader say on stderr what its workers did, so
 * these tests fail if the workers were silently not used.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { FERRY, ferry, type CliResult } from "../helpers/cli.js";

let example: string;

beforeAll(() => {
  example = join(mkdtempSync(join(tmpdir(), "ferry-workers-")), "p");
  const r = ferry(["example", "--apps", "3000", "--seed", "1", "--out", example]);
  expect(r.code).toBe(0);
}, 120_000);

function run(dir: string, args: string[], workers: number): CliResult {
  return ferry([...args, "--dir", dir], { env: { FERRY_LOAD_WORKERS: String(workers), FERRY_CACHE: "off", NODE_DEBUG: "ferry-load" } });
}

/** What the loader's trace says its workers did (`undefined` when it started none). */
function workersUsed(r: CliResult): { clean: number; taken: number; handedBack: number; failed: number } | undefined {
  const m = /estate pool closed: (\d+) workers, (\d+) files clean in a worker, (\d+) taken by the main thread, (\d+) handed back \((\d+) lost with a worker\), (\d+) workers failed/.exec(r.stderr);
  return m ? { clean: Number(m[2]), taken: Number(m[3]), handedBack: Number(m[4]), failed: Number(m[6]) } : undefined;
}

/** stderr without the trace lines. */
const userStderr = (r: CliResult) =>
  r.stderr
    .split("\n")
    .filter((l) => !/^FERRY-LOAD \d+:/.test(l))
    .join("\n");

describe("FERRY_LOAD_WORKERS", () => {
  it("validates and plans a 3,000-application example identically with 2 workers and with none", () => {
    const serial = run(example, ["validate", "--json"], 0);
    const parallel = run(example, ["validate", "--json"], 2);
    expect(serial.code).toBe(0);
    expect(parallel.code).toBe(0);
    expect(parallel.stdout).toBe(serial.stdout);
    expect(workersUsed(serial)).toBeUndefined();
    // Every estate file of the example is clean: all five were checked in a worker or, while it
    // waited, by the main thread (which leaves each worker at least one).
    const used = workersUsed(parallel)!;
    expect(used).toMatchObject({ handedBack: 0, failed: 0 });
    expect(used.clean).toBeGreaterThanOrEqual(2);
    expect(used.clean + used.taken).toBe(5);

    const a = run(example, ["plan", "--out", join(example, "plans", "serial.json")], 0);
    const b = run(example, ["plan", "--out", join(example, "plans", "parallel.json")], 2);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(workersUsed(b)!.clean).toBeGreaterThanOrEqual(2);
    const planA = readFileSync(join(example, "plans", "serial.json"), "utf8");
    expect(readFileSync(join(example, "plans", "parallel.json"), "utf8")).toBe(planA);
    expect(JSON.parse(planA)).toMatchObject({ hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
  }, 120_000);

  it("reports a schema error and a YAML syntax error in two estate files at the same file:line:col", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ferry-workers-")), "p");
    expect(ferry(["example", "--apps", "3000", "--seed", "1", "--out", dir]).code).toBe(0);
    const apps = join(dir, "estate", "applications-001.yaml");
    writeFileSync(apps, readFileSync(apps, "utf8").replace(/criticality: \w+/, "criticality: urgent"));
    const hosts = join(dir, "estate", "hosts-001.yaml");
    const lines = readFileSync(hosts, "utf8").split("\n");
    lines[40] = `\t${lines[40]}`;
    writeFileSync(hosts, lines.join("\n"));

    for (const args of [["validate"], ["validate", "--json"]]) {
      const serial = run(dir, args, 0);
      const parallel = run(dir, args, 2);
      expect(serial.code).toBe(2);
      expect(parallel.code).toBe(2);
      expect(parallel.stdout).toBe(serial.stdout);
      expect(userStderr(parallel)).toBe(userStderr(serial));
      // The two broken files were loaded on the main thread; at most the three clean ones in workers.
      const used = workersUsed(parallel)!;
      expect(used.failed).toBe(0);
      expect(used.clean).toBeGreaterThanOrEqual(1);
      expect(used.clean).toBeLessThanOrEqual(3);
      expect(used.clean + used.taken + used.handedBack).toBe(5);
    }
    const text = run(dir, ["validate"], 2);
    expect(text.stdout + text.stderr).toMatch(/estate\/applications-001\.yaml:\d+:\d+: .*criticality/);
    expect(text.stdout + text.stderr).toMatch(/estate\/hosts-001\.yaml:41:1: .*tab/);
  }, 120_000);

  it("ends at once on Ctrl-C while its workers check the estate, leaving no thread behind", async () => {
    const child = spawn(process.execPath, [FERRY, "validate", "--dir", example], { env: { ...process.env, NO_COLOR: "1", FERRY_LOAD_WORKERS: "2", FERRY_CACHE: "off", NODE_DEBUG: "ferry-load" } });
    let stderr = "";
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("close", (code, signal) => resolve({ code, signal })));
    // Interrupt as soon as the loader says its workers are starting: the estate is still being checked.
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
        if (/starting \d+ workers/.test(stderr)) resolve();
      }),
    );
    const sent = performance.now();
    child.kill("SIGINT");
    const { code, signal } = await exited;
    // Ended by the interrupt (not by finishing the check), within a moment, and without a stack trace.
    expect(signal === "SIGINT" || code === 130).toBe(true);
    expect(performance.now() - sent).toBeLessThan(5_000);
    expect(userStderr({ code: code ?? -1, stdout: "", stderr })).not.toMatch(/\n\s+at .+:\d+:\d+/);
  }, 120_000);
});
