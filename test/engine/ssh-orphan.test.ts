/**
 * Issue 12, item 2: when the sshd session serving a step is killed, the remote command may go on
 * running. ferry must not check or retry the step until it has confirmed over a fresh
 * connection that the remote process group is gone; if it cannot, the step is uncertain.
 */
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSshActions } from "../../src/actions/ssh/index.js";
import type { SshActions } from "../../src/actions/ssh/index.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../harness/sshd.js";
import type { ClientKey, Sshd } from "../harness/sshd.js";
import { hostFor, knownHostsFile, removeTempDirs, tempDir } from "../actions/ssh/helpers.js";
import { estate, prepareAll, runbook, runWith } from "./helpers.js";

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

describe.skipIf(missing)(`a step whose sshd session is killed mid-way${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let key: ClientKey;
  let sshd: Sshd;
  let actions: SshActions | undefined;

  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
    removeTempDirs();
  });

  async function run(opts: { timeout?: string; blockFreshConnections?: boolean }) {
    // The login user may be another account: it must be able to write the ledger.
    const dir = tempDir("ferry-ssh-orphan-");
    chmodSync(dir, 0o777);
    const ledger = join(dir, "ledger");
    actions = createSshActions({
      sshConfigPath: false,
      agent: false,
      identityFiles: [key.privateKeyPath],
      knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)],
      keepaliveInterval: 300,
      keepaliveCountMax: 2,
      readyTimeout: 1000,
      killGraceMs: 300,
    });
    const rb = runbook("remote", {
      steps: [
        {
          id: "move",
          ssh: { host: "app01", run: `sleep 1.5; echo moved >> ${ledger}` },
          check: { ssh: { host: "app01", run: `grep -qx moved ${ledger}` } },
          retry: { attempts: 3, delay: "10ms" },
          ...(opts.timeout ? { timeout: opts.timeout } : {}),
        },
      ],
    });
    const est = { ...estate([{ id: "revs", hosts: ["app01"] }]), hosts: [hostFor("app01", sshd)] };
    // Kill the session once, half a second into the command.
    let killed = false;
    const listener = (e: RunEvent) => {
      if (e.type !== "step.started" || killed) return;
      killed = true;
      setTimeout(() => {
        if (opts.blockFreshConnections) killAll([sshd.pid], "SIGSTOP");
        killAll(sshd.sessionPids(), "SIGKILL");
      }, 500);
    };
    try {
      const out = await runWith(prepareAll(est, rb), est, { ssh: actions.ssh }, { listeners: [listener], sleep: undefined, clock: undefined });
      return { ...out, ledger: () => (existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean) : []) };
    } finally {
      killAll([sshd.pid], "SIGCONT");
      await actions.close();
    }
  }

  it("waits over a fresh connection for the remote command to end before it checks, so it runs once", async () => {
    const r = await run({});
    const types = r.events.map((e) => e.type);
    expect(r.ledger()).toEqual(["moved"]);
    expect(r.state.apps.get("revs")!.status).toBe("succeeded");
    expect(r.events.find((e) => e.type === "step.succeeded")).toMatchObject({ via: "check" });
    expect(types.filter((t) => t === "step.started")).toHaveLength(1);
    const checked = r.events.find((e) => e.type === "step.checked");
    expect(checked).toMatchObject({ tookEffect: true });
  }, 30_000);

  it("is uncertain, neither checked nor retried, when no fresh connection can confirm the command ended", async () => {
    const r = await run({ timeout: "4s", blockFreshConnections: true });
    expect(r.events.filter((e) => e.type === "step.checked")).toEqual([]);
    expect(r.events.filter((e) => e.type === "step.started")).toHaveLength(1);
    expect(r.events.find((e) => e.type === "step.uncertain")).toMatchObject({ reason: expect.stringMatching(/may still be running/) });
    expect(r.state.apps.get("revs")!.status).toBe("uncertain");
    await new Promise((res) => setTimeout(res, 1500));
    expect(r.ledger().length).toBeLessThanOrEqual(1);
  }, 30_000);
});
