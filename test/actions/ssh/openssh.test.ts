import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError } from "../../../src/actions/errors.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshOptions } from "../../../src/actions/ssh/index.js";
import type { Host } from "../../../src/model/estate.js";
import { makeClientKey, sshdMissingReason, startSshAgent, startSshd } from "../../harness/sshd.js";
import type { ClientKey, SshAgent, Sshd } from "../../harness/sshd.js";
import { knownHostsFile, makeCtx, projectDir, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

describe.skipIf(missing)(`OpenSSH conventions: ssh-agent and ~/.ssh/config${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let agentKey: ClientKey;
  let fileKey: ClientKey;
  let stranger: ClientKey;
  let agent: SshAgent;
  const dir = tempDir("ferry-openssh-");
  /** An estate host with only an address: user, port and key must come from elsewhere. */
  const bare: Host = { id: "legacy-db01", site: "lab", address: "127.0.0.1", os: "linux" };

  beforeAll(async () => {
    agentKey = makeClientKey(dir);
    fileKey = makeClientKey(dir);
    stranger = makeClientKey(dir);
    sshd = await startSshd({ authorizedKeys: [agentKey.publicKey, fileKey.publicKey] });
    agent = await startSshAgent(dir, [agentKey]);
  });
  afterAll(async () => {
    await agent?.stop();
    await sshd?.stop();
    removeTempDirs();
  });

  const base = (extra: SshOptions): SshOptions => ({
    projectDir: projectDir(),
    knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)],
    sshConfigPath: false,
    identityFiles: [],
    ...extra,
  });

  it("authenticates with a key held by a real ssh-agent found through SSH_AUTH_SOCK", async () => {
    const actions = createSshActions(base({ env: { SSH_AUTH_SOCK: agent.socket } }));
    const host: Host = { ...bare, ssh: { user: sshd.user, port: sshd.port } };
    try {
      const line = await actions.ssh.preflight!(makeCtx([host]), { host: host.id, run: "x" });
      expect(line).toMatch(/authenticated with ssh-agent$/);
      const out = await actions.ssh.run(makeCtx([host]), { host: host.id, run: "echo via-agent" });
      expect(out.stdout).toBe("via-agent");
    } finally {
      await actions.close();
    }
  });

  it("falls back from an agent without a matching key to an identity file, and names both when all fail", async () => {
    const other = await startSshAgent(dir, [stranger]);
    const host: Host = { ...bare, ssh: { user: sshd.user, port: sshd.port } };
    try {
      const ok = createSshActions(base({ env: { SSH_AUTH_SOCK: other.socket }, identityFiles: [fileKey.privateKeyPath] }));
      expect(await ok.ssh.preflight!(makeCtx([host]), { host: host.id, run: "x" })).toContain(`authenticated with ${fileKey.privateKeyPath}`);
      await ok.close();

      const bad = createSshActions(base({ env: { SSH_AUTH_SOCK: other.socket }, identityFiles: [stranger.privateKeyPath] }));
      const err = await bad.ssh.run(makeCtx([host]), { host: host.id, run: "true" }).catch((e: unknown) => e);
      await bad.close();
      expect(err).toBeInstanceOf(AuthError);
      expect((err as Error).message).toContain(`tried ssh-agent, ${stranger.privateKeyPath}`);
    } finally {
      await other.stop();
    }
  });

  it("takes User, Port and IdentityFile from ~/.ssh/config (Host patterns) for an estate host that leaves them out", async () => {
    const cfg = join(dir, "config");
    writeFileSync(
      cfg,
      [
        "Host legacy-db*",
        `  User ${sshd.user}`,
        `  Port ${sshd.port}`,
        `  IdentityFile ${fileKey.privateKeyPath}`,
        "",
        "Host *",
        "  User nobody-by-default",
        "  Port 1",
        "",
      ].join("\n"),
    );
    const actions = createSshActions(base({ sshConfigPath: cfg, agent: false }));
    try {
      const line = await actions.ssh.preflight!(makeCtx([bare]), { host: bare.id, run: "x" });
      expect(line).toContain(`legacy-db01 (${sshd.user}@127.0.0.1:${sshd.port})`);
      expect(line).toContain(`authenticated with ${fileKey.privateKeyPath}`);
    } finally {
      await actions.close();
    }
  });

  it("lets the estate's ssh block and the step override ~/.ssh/config", async () => {
    const cfg = join(dir, "config-override");
    writeFileSync(cfg, `Host *\n  User somebody-else\n  Port 1\n  IdentityFile ${fileKey.privateKeyPath}\n`);
    const actions = createSshActions(base({ sshConfigPath: cfg, agent: false }));
    const host: Host = { ...bare, ssh: { user: sshd.user } };
    try {
      const out = await actions.ssh.run(makeCtx([host]), { host: host.id, run: "id -un", port: sshd.port });
      expect(out.stdout).toBe(sshd.user);
    } finally {
      await actions.close();
    }
  });
});
