/**
 * Per-step SSH latency: one host, 20 sequential steps (`true`) on one connection, run by
 * ferry's `ssh` action and pool against the ssh2 floor (one connection, 20 execs, TCP_NODELAY
 * set). A third row, the same floor without TCP_NODELAY, shows what the option is worth: there
 * every exec after the first waits for the server's delayed ACK (~40 ms on Linux).
 *
 * The workers are bench/ssh.ts's (`--worker ferry|floor|floor-nagle`); each reports the time
 * from its first connect to its last exit status, so node start-up and module loading do not
 * hide the per-step cost. Run alone: `npm run bench -- ssh-steps`. Knobs: FERRY_BENCH_SSH_STEPS
 * (20), FERRY_BENCH_SSH_STEPS_RUNS (7).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { median, type BenchTable } from "./table.js";
import type { FanoutConfig } from "./ssh.js";

const KINDS = [
  ["ferry", "ferry"],
  ["ssh2 floor (TCP_NODELAY)", "floor"],
  ["ssh2 without TCP_NODELAY", "floor-nagle"],
] as const;

/** Run one worker; resolve with its in-process work time (connect to last exit) in ms. */
function work(kind: string, cfgPath: string): Promise<number> {
  const worker = fileURLToPath(new URL("./ssh.ts", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", worker, "--worker", kind, cfgPath], { env: { ...process.env, SSH_AUTH_SOCK: "", NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${kind} worker exited ${code}: ${err.slice(-500)}`));
      resolve((JSON.parse(out.trim().split("\n").pop()!) as { workMs: number }).workMs);
    });
  });
}

export default async function run(): Promise<BenchTable[]> {
  const steps = Number(process.env.FERRY_BENCH_SSH_STEPS ?? 20);
  const runs = Number(process.env.FERRY_BENCH_SSH_STEPS_RUNS ?? 7);
  const title = `SSH per-step latency: one host, ${steps} sequential steps on one connection (loopback sshd)`;
  const harness = await import("../test/harness/sshd.js");
  const missing = harness.sshdMissingReason();
  if (missing) return [{ title, columns: ["note"], rows: [[`skipped: ${missing}`]] }];
  if (!existsSync(fileURLToPath(new URL("../dist/actions/ssh/index.js", import.meta.url)))) throw new Error("bench/ssh-steps runs ferry from dist/: run `npm run build` (npm run bench does)");

  const root = mkdtempSync(join(tmpdir(), "ferry-bench-ssh-steps-"));
  const key = harness.makeClientKey(join(root, "key"));
  const sshd = await harness.startSshd({ authorizedKeys: [key.publicKey] });
  try {
    const knownHosts = join(root, "known_hosts");
    writeFileSync(knownHosts, sshd.knownHostsLines.join("\n") + "\n");
    const cfgPath = join(root, "config.json");
    const cfg: FanoutConfig = { hosts: [{ name: "app01", port: sshd.port }], user: sshd.user, keyPath: key.privateKeyPath, knownHosts, steps: Array.from({ length: steps }, () => "true") };
    writeFileSync(cfgPath, JSON.stringify(cfg));
    const samples = new Map<string, number[]>(KINDS.map(([, k]) => [k, []]));
    // Interleave round by round so a noisy neighbour hurts every runner alike.
    for (let round = 0; round < runs; round++) for (const [, kind] of KINDS) samples.get(kind)!.push(await work(kind, cfgPath));
    const floor = median(samples.get("floor")!);
    const ferry = median(samples.get("ferry")!);
    const rows = KINDS.map(([name, kind]) => {
      const ms = median(samples.get(kind)!);
      return [name, ms.toFixed(0), (ms / steps).toFixed(1), `${(ms / floor).toFixed(2)}×`];
    });
    return [
      {
        title,
        columns: ["runner", "ms (connect + steps)", "ms per step", "vs floor"],
        rows,
        notes: [
          `ferry/floor ${(ferry / floor).toFixed(2)}× (target ≤ 1.3×).`,
          `Median of ${runs} interleaved runs of each; time measured inside each process from the first connect to the last step's exit status (handshake included, node start-up not).`,
          "ferry runs each step through its ssh action (wrapper with process-group id, output streaming, channel limiter) on one pooled connection; the floor is a bare ssh2 client doing one exec after another.",
        ],
      },
    ];
  } finally {
    await sshd.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
