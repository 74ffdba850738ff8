import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HostKeyError } from "../../../src/actions/errors.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";
import { hostFor, knownHostsFile, makeCtx, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`jump-host chains against real sshds${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let outer: Sshd;
  let inner: Sshd;
  let target: Sshd;
  let key: ClientKey;
  const hosts = () => [hostFor("bastion-a", outer), hostFor("bastion-b", inner, "bastion-a"), hostFor("legacy-app", target, "bastion-b")];

  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    [outer, inner, target] = (await Promise.all([0, 1, 2].map(() => startSshd({ authorizedKeys: [key.publicKey] })))) as [Sshd, Sshd, Sshd];
  });
  afterAll(async () => {
    await Promise.all([outer, inner, target].map((s) => s?.stop()));
    removeTempDirs();
  });

  const options = (lines: string[]) => ({ sshConfigPath: false as const, agent: false as const, identityFiles: [key.privateKeyPath], knownHostsFiles: [knownHostsFile(lines)] });

  it("reaches a host through two jump hosts, verifying every hop's key and pooling each hop", async () => {
    const actions = createSshActions(options([...outer.knownHostsLines, ...inner.knownHostsLines, ...target.knownHostsLines]));
    const ctx = makeCtx(hosts());
    const out = await actions.ssh.run(ctx, { host: "legacy-app", run: "echo via-chain" });
    await actions.ssh.run(ctx, { host: "legacy-app", run: "true" });
    await actions.ssh.run(ctx, { host: "bastion-b", run: "true" });
    expect(out.stdout).toBe("via-chain");
    expect(actions.pool.stats()).toMatchObject({ connections: 3, connects: 3 });
    expect(await actions.ssh.preflight!(ctx, { host: "legacy-app", run: "x" })).toContain("via bastion-a → bastion-b");
    await actions.close();
  });

  it("refuses the chain when a middle hop's key is unknown, naming that hop", async () => {
    const actions = createSshActions(options([...outer.knownHostsLines, ...target.knownHostsLines]));
    const mark = target.log().length;
    const err = await actions.ssh.run(makeCtx(hosts()), { host: "legacy-app", run: "true" }).catch((e: unknown) => e);
    await actions.close();
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toContain("bastion-b");
    expect(target.log().slice(mark)).not.toContain("Connection from");
  });

  it("follows ProxyJump from ~/.ssh/config for hosts whose estate record has no via", async () => {
    const cfgDir = tempDir("ferry-cfg-");
    const cfg = join(cfgDir, "config");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(cfg, `Host jumpy\n  HostName 127.0.0.1\n  Port ${outer.port}\n  User ${outer.user}\n\nHost legacy-*\n  ProxyJump jumpy\n`);
    const actions = createSshActions({ ...options([...outer.knownHostsLines, ...target.knownHostsLines]), sshConfigPath: cfg });
    const ctx = makeCtx([hostFor("legacy-direct", target)]);
    const line = await actions.ssh.preflight!(ctx, { host: "legacy-direct", run: "x" });
    await actions.close();
    expect(line).toContain("via jumpy");
  });
});
