import { Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";
import { hostFor, knownHostsFile, makeCtx, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

/** Record the remote port of every TCP socket on which setNoDelay(true) is called, as it is called. */
function watchNoDelay(): number[] {
  const ports: number[] = [];
  const original = Socket.prototype.setNoDelay;
  vi.spyOn(Socket.prototype, "setNoDelay").mockImplementation(function (this: Socket, enable?: boolean) {
    if (enable !== false) ports.push(this.remotePort ?? -1);
    return original.call(this, enable);
  });
  return ports;
}

// Without TCP_NODELAY every command after the first on a connection waits ~40 ms for a delayed
// ACK: the option must be on for every connection ferry makes, direct or through jump hosts.
describe.skipIf(missing)(`TCP_NODELAY on ssh connections${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let outer: Sshd;
  let inner: Sshd;
  let target: Sshd;
  let key: ClientKey;

  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    [outer, inner, target] = (await Promise.all([0, 1, 2].map(() => startSshd({ authorizedKeys: [key.publicKey] })))) as [Sshd, Sshd, Sshd];
  });
  afterEach(() => vi.restoreAllMocks());
  afterAll(async () => {
    await Promise.all([outer, inner, target].map((s) => s?.stop()));
    removeTempDirs();
  });

  const options = () => ({
    sshConfigPath: false as const,
    agent: false as const,
    identityFiles: [key.privateKeyPath],
    knownHostsFiles: [knownHostsFile([...outer.knownHostsLines, ...inner.knownHostsLines, ...target.knownHostsLines])],
  });

  it("sets it on a direct connection before the first command", async () => {
    const ports = watchNoDelay();
    const actions = createSshActions(options());
    const ctx = makeCtx([hostFor("app01", target)]);
    await actions.ssh.run(ctx, { host: "app01", run: "true" });
    await actions.ssh.run(ctx, { host: "app01", run: "true" });
    await actions.close();
    expect(ports).toEqual([target.port]);
  });

  it("sets it on the TCP connection that carries a jump chain, and on every hop's own connection", async () => {
    const ports = watchNoDelay();
    const actions = createSshActions(options());
    const ctx = makeCtx([hostFor("bastion-a", outer), hostFor("bastion-b", inner, "bastion-a"), hostFor("legacy-app", target, "bastion-b"), hostFor("direct-b", inner)]);
    const out = await actions.ssh.run(ctx, { host: "legacy-app", run: "echo via-chain" });
    await actions.ssh.run(ctx, { host: "direct-b", run: "true" });
    await actions.close();
    expect(out.stdout).toBe("via-chain");
    // bastion-b and legacy-app ride forwarded channels inside bastion-a's connection: the only
    // TCP socket of the chain is bastion-a's, and it has the option; direct-b has its own.
    expect([...ports].sort()).toEqual([outer.port, inner.port].sort());
  });
});
