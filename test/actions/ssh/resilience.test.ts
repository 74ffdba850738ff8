import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectionLostError } from "../../../src/actions/errors.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { descendants, makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";
import { hostFor, knownHostsFile, makeCtx, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

function killAll(pids: number[], signal: NodeJS.Signals) {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

describe.skipIf(missing)(`connection faults, channel limits and fan-out against real sshds${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let key: ClientKey;
  let sshd: Sshd;
  let small: Sshd;
  const keepalive = { keepaliveInterval: 500, keepaliveCountMax: 2 };

  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    [sshd, small] = await Promise.all([startSshd({ authorizedKeys: [key.publicKey] }), startSshd({ authorizedKeys: [key.publicKey], maxSessions: 2 })]);
  });
  afterAll(async () => {
    await Promise.all([sshd?.stop(), small?.stop()]);
    removeTempDirs();
  });

  const make = (s: Sshd, extra = {}): SshActions =>
    createSshActions({ sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath], knownHostsFiles: [knownHostsFile(s.knownHostsLines)], ...extra });

  /** Run `run` on `host`, resolving `started` when its first stdout line arrives. */
  function startLong(actions: SshActions, s: Sshd, run: string) {
    let started!: () => void;
    const startedP = new Promise<void>((r) => (started = r));
    const ctx = makeCtx([hostFor("app01", s)]);
    ctx.onLine = (stream, line) => {
      if (stream === "stdout" && line === "started") started();
    };
    const result = actions.ssh.run(ctx, { host: "app01", run }).then(
      (v) => ({ ok: v }),
      (err: unknown) => ({ err }),
    );
    return { started: startedP, result };
  }

  it("queues steps under a server with MaxSessions 2: 10 concurrent steps, no failures, channels back to 0", async () => {
    const actions = make(small);
    const ctx = makeCtx([hostFor("app01", small)]);
    const results = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => actions.ssh.run(ctx, { host: "app01", run: `sleep 0.2; echo ${i}` })));
    const stats = actions.pool.stats();
    await actions.close();
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(results.map((r) => (r as PromiseFulfilledResult<{ stdout: string }>).value.stdout)).toEqual(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(stats.openChannels).toBe(0);
    expect(stats.peakChannelsPerConnection).toBeLessThanOrEqual(2);
    expect(stats.connects).toBe(1);
  });

  it("classifies a killed sshd session as ConnectionLostError and reconnects for the next step", async () => {
    const actions = make(sshd, keepalive);
    const { started, result } = startLong(actions, sshd, "echo started; sleep 3377");
    await started;
    const before = descendants(sshd.pid);
    const t0 = Date.now();
    killAll(sshd.sessionPids(), "SIGKILL");
    const r = await result;
    const latency = Date.now() - t0;
    killAll(before.filter((p) => p.cmdline.includes("sleep 3377")).map((p) => p.pid), "SIGKILL");
    expect((r as { err: unknown }).err).toBeInstanceOf(ConnectionLostError);
    expect((r as { err: ConnectionLostError }).err).toMatchObject({ transient: true, outcome: "unknown" });
    expect((r as { err: Error }).err.message).toMatch(/may still be running/);
    expect(latency).toBeLessThan(500 * 3 + 2000);
    const again = await actions.ssh.run(makeCtx([hostFor("app01", sshd)]), { host: "app01", run: "echo back" });
    expect(again.stdout).toBe("back");
    expect(actions.pool.stats().reconnects).toBe(1);
    await actions.close();
  });

  it("detects a silent drop (sshd stopped with SIGSTOP) within keepaliveInterval × (countMax + 1) + 2s", async () => {
    const actions = make(sshd, keepalive);
    const { started, result } = startLong(actions, sshd, "echo started; sleep 3388");
    await started;
    const stopped = sshd.sessionPids();
    const shells = descendants(sshd.pid).filter((p) => p.cmdline.includes("sleep 3388"));
    const t0 = Date.now();
    killAll(stopped, "SIGSTOP");
    try {
      const r = await result;
      const latency = Date.now() - t0;
      expect((r as { err: unknown }).err).toBeInstanceOf(ConnectionLostError);
      expect((r as { err: Error }).err.message).toMatch(/Keepalive timeout/i);
      expect(latency).toBeLessThanOrEqual(500 * (2 + 1) + 2000);
    } finally {
      killAll([...stopped, ...shells.map((p) => p.pid)], "SIGKILL");
      await actions.close();
    }
  });

  it("runs a wave over 200 host aliases of one server: every step succeeds, one connection per host, all closed after", async () => {
    const actions = make(sshd, { readyTimeout: 60_000 });
    const hosts = Array.from({ length: 200 }, (_, i) => hostFor(`alias-${String(i).padStart(3, "0")}`, sshd));
    const results = await Promise.allSettled(
      hosts.map(async (h) => {
        // One context per step, as the engine gives each step its own signal.
        for (const run of ["true", "echo ok", "test -d /tmp"]) await actions.ssh.run(makeCtx(hosts), { host: h.id, run });
      }),
    );
    const stats = actions.pool.stats();
    await actions.close();
    expect(results.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
    expect(stats).toMatchObject({ connections: 200, connects: 200, reconnects: 0, openChannels: 0 });
    expect(actions.pool.stats().connections).toBe(0);
  }, 90_000);
});
