/**
 * Host keys pinned in the team's database: `--accept-new` on one machine pins a first-seen key
 * into the host-keys table (not into that machine's .ferry/known_hosts), and another machine
 * then trusts that key without accept-new, and refuses a different one, against a real sshd.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { HostKeyError } from "../../src/actions/errors.js";
import { createSshActions, type SshOptions } from "../../src/actions/ssh/index.js";
import { hostKeyStore } from "../../src/runs/session.js";
import { makeClientKey, sshdMissingReason, startSshd, type ClientKey, type Sshd } from "../harness/sshd.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { hostFor, knownHostsFile, makeCtx, projectDir, removeTempDirs, tempDir } from "../actions/ssh/helpers.js";
import { closeBackends, migratedDatabase, pgState } from "./pg-state.js";

const missing = postgresMissingReason() ?? sshdMissingReason();

describe.skipIf(missing)("SSH host keys pinned in the team database", () => {
  const pgs = usePostgres();
  let sshd: Sshd;
  let key: ClientKey;
  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  }, 60_000);
  afterAll(async () => {
    await sshd?.stop();
    removeTempDirs();
  });
  afterEach(closeBackends);

  async function run(opts: SshOptions, project: string) {
    const actions = createSshActions({ sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath], projectDir: project, knownHostsFiles: [knownHostsFile([])], ...opts });
    try {
      return await actions.ssh.run(makeCtx([hostFor("app01", sshd)]), { host: "app01", run: "echo ran" });
    } finally {
      await actions.close();
    }
  }

  it("pins on one machine with --accept-new, and is trusted by another without it", async () => {
    const url = await migratedDatabase(pgs.server);
    const first = await pgState(url, tempDir("ferry-a-"));
    const projectA = projectDir();
    const out = await run({ acceptNew: true, hostKeys: await hostKeyStore(first) }, projectA);
    expect(out.stdout).toContain("ran");
    expect(await first.pinnedHostKeys()).toEqual([expect.stringMatching(new RegExp(`^\\[127\\.0\\.0\\.1\\]:${sshd.port} ssh-ed25519 `))]);
    expect(existsSync(join(projectA, ".ferry", "known_hosts"))).toBe(false);

    const second = await pgState(url, tempDir("ferry-b-"));
    expect((await run({ hostKeys: await hostKeyStore(second) }, projectDir())).stdout).toContain("ran");

    // A different key pinned for that address is a changed key: refused, naming where it was pinned.
    const other = await pgState(await migratedDatabase(pgs.server), tempDir("ferry-c-"));
    const [line] = await first.pinnedHostKeys();
    await other.pinHostKey(line!.replace(/ssh-ed25519 \S+/, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"));
    const err = await run({ hostKeys: await hostKeyStore(other) }, projectDir()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toContain("CHANGED");
    expect((err as Error).message).toContain("the host keys in postgres://");
  }, 60_000);
});
