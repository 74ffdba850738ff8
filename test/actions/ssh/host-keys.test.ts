import { createHmac, randomBytes } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthError, HostKeyError, UnreachableError } from "../../../src/actions/errors.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshOptions } from "../../../src/actions/ssh/index.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";
import { hostFor, knownHostsFile, makeCtx, projectDir, removeTempDirs, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

/** The log lines sshd writes once a client tries to authenticate (VERBOSE level). */
const AUTH_ATTEMPT = /Accepted|Failed|Postponed|publickey|Invalid user|authenticat/i;

describe.skipIf(missing)(`host keys, authentication and dry run against a real sshd${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let key: ClientKey;
  let other: ClientKey;
  const run = { host: "app01", run: "echo ran" };

  beforeAll(async () => {
    const dir = tempDir("ferry-key-");
    key = makeClientKey(dir);
    other = makeClientKey(dir);
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
    removeTempDirs();
  });

  async function attempt(opts: SshOptions, what: "run" | "preflight" = "run") {
    const actions = createSshActions({ sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath], projectDir: projectDir(), ...opts });
    const ctx = makeCtx([hostFor("app01", sshd)]);
    try {
      return await (what === "run" ? actions.ssh.run(ctx, run) : actions.ssh.preflight!(ctx, run));
    } finally {
      await actions.close();
    }
  }

  /** The server's log of the connection made after `mark`, once sshd has logged its end. */
  function connectionLog(mark: number): Promise<string> {
    return sshd.waitForLog(/Disconnected from|Connection (closed|reset) by/, mark);
  }

  it("refuses an unknown host key before authenticating, naming the host and the offered fingerprint", async () => {
    const mark = sshd.log().length;
    const err = await attempt({ knownHostsFiles: [knownHostsFile([])] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    expect((err as Error).message).toMatch(new RegExp(`app01 \\([\\w.-]+@127\\.0\\.0\\.1:${sshd.port}\\) is not known: the server offered ED25519 SHA256:[A-Za-z0-9+/]{43}$`));
    expect(err).toMatchObject({ transient: false, outcome: "not-started" });
    const log = await connectionLog(mark);
    expect(log).toContain("Connection from 127.0.0.1");
    expect(log).not.toMatch(AUTH_ATTEMPT);
  });

  it("refuses a changed host key before authenticating, naming both fingerprints", async () => {
    const wrong = makeClientKey(tempDir("ferry-key-")).publicKey.split(" ").slice(0, 2).join(" ");
    const file = knownHostsFile([`[127.0.0.1]:${sshd.port} ${wrong}`]);
    const mark = sshd.log().length;
    const err = await attempt({ knownHostsFiles: [file], acceptNew: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyError);
    const msg = (err as Error).message;
    expect(msg).toContain("has CHANGED");
    expect(msg.match(/SHA256:[A-Za-z0-9+/]{43}/g)).toHaveLength(2);
    expect(msg).toContain(`${file}:1`);
    const log = await connectionLog(mark);
    expect(log).toContain("Connection from 127.0.0.1");
    expect(log).not.toMatch(AUTH_ATTEMPT);
  });

  it("accepts hashed known_hosts entries (HashKnownHosts yes)", async () => {
    const [name, type, b64] = sshd.knownHostsLines[0]!.split(" ");
    const salt = randomBytes(20);
    const hash = createHmac("sha1", salt).update(name!).digest("base64");
    const out = await attempt({ knownHostsFiles: [knownHostsFile([`|1|${salt.toString("base64")}|${hash} ${type} ${b64}`])] });
    expect(out).toMatchObject({ stdout: "ran" });
  });

  it("pins a first-seen key into .ferry/known_hosts with mode 0600 under acceptNew, then trusts it without the flag", async () => {
    const dir = projectDir();
    const pinned = join(dir, ".ferry", "known_hosts");
    const first = await attempt({ projectDir: dir, knownHostsFiles: [pinned], acceptNew: true }, "preflight");
    expect(first).toContain("(pinned now)");
    expect(statSync(pinned).mode & 0o777).toBe(0o600);
    expect(readFileSync(pinned, "utf8")).toBe(`${sshd.knownHostsLines[0]}\n`);
    const second = await attempt({ projectDir: dir });
    expect(second).toMatchObject({ stdout: "ran" });
  });

  it("reports the dry-run status in one line without running anything", async () => {
    const mark = sshd.log().length;
    const line = await attempt({ knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)] }, "preflight");
    expect(line).toMatch(/^app01 \([\w.-]+@127\.0\.0\.1:\d+\): reachable, host key ED25519 SHA256:\S+, authenticated with \S+$/);
    // The pool is closed by `attempt`, so the connection's end is in the log.
    expect(await connectionLog(mark)).not.toContain("Starting session");
  });

  it("fails with AuthError naming the keys tried when the server refuses them", async () => {
    const err = await attempt({ knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)], identityFiles: [other.privateKeyPath] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain(other.privateKeyPath);
  });

  it("uses an encrypted identity file with the passphrase from the named environment variable", async () => {
    const enc = makeClientKey(tempDir("ferry-key-"), "s3cret phrase");
    const sshd2 = await startSshd({ authorizedKeys: [enc.publicKey] });
    try {
      const actions = createSshActions({
        sshConfigPath: false,
        agent: false,
        identityFiles: [enc.privateKeyPath],
        passphraseEnv: "FERRY_TEST_PASSPHRASE",
        env: { FERRY_TEST_PASSPHRASE: "s3cret phrase" },
        knownHostsFiles: [knownHostsFile(sshd2.knownHostsLines)],
      });
      const out = await actions.ssh.run(makeCtx([hostFor("app02", sshd2)]), { host: "app02", run: "echo ok" });
      await actions.close();
      expect(out.stdout).toBe("ok");
    } finally {
      await sshd2.stop();
    }
  });

  it("fails with UnreachableError when nothing listens", async () => {
    const actions = createSshActions({ sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath], knownHostsFiles: [] });
    const host = { ...hostFor("gone", sshd), ssh: { port: 1 } };
    const err = await actions.ssh.run(makeCtx([host]), { host: "gone", run: "true" }).catch((e: unknown) => e);
    await actions.close();
    expect(err).toBeInstanceOf(UnreachableError);
    expect(err).toMatchObject({ transient: true, outcome: "not-started" });
    expect((err as Error).message).toContain("connection refused");
  });
});
