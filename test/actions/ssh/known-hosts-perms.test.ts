/**
 * Issue 12, item 17: a known_hosts file (or its folder) that others can write is refused, as
 * OpenSSH's StrictModes refuses such an authorized_keys, with a message that says how to fix it.
 */
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionError } from "../../../src/actions/errors.js";
import { KnownHosts, unsafeKnownHosts } from "../../../src/actions/ssh/known-hosts.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import { makeClientKey, sshdMissingReason, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";
import { hostFor, makeCtx, removeTempDirs, tempDir } from "./helpers.js";

const KEY_LINE = "app01 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

function fileWithMode(dirMode: number, fileMode: number): string {
  const dir = join(tempDir("ferry-khp-"), ".ferry");
  mkdirSync(dir);
  const file = join(dir, "known_hosts");
  writeFileSync(file, `${KEY_LINE}\n`);
  chmodSync(file, fileMode);
  chmodSync(dir, dirMode);
  return file;
}

afterAll(() => removeTempDirs());

describe("unsafeKnownHosts", () => {
  it("accepts a file only its owner can write, in a folder only its owner can write", () => {
    expect(unsafeKnownHosts(fileWithMode(0o700, 0o600))).toBeUndefined();
    expect(unsafeKnownHosts(fileWithMode(0o755, 0o644))).toBeUndefined();
  });

  it("refuses a world-writable file and says the chmod that fixes it", () => {
    const file = fileWithMode(0o700, 0o666);
    expect(unsafeKnownHosts(file)).toMatch(new RegExp(`known_hosts file ${file} is writable by group and others \\(mode 666\\).*Fix: chmod 600 ${file}`));
  });

  it("refuses a group-writable file", () => {
    expect(unsafeKnownHosts(fileWithMode(0o700, 0o620))).toMatch(/writable by group \(mode 620\)/);
  });

  it("refuses a folder others can write (they could replace the file), even when the file is absent", () => {
    const file = fileWithMode(0o777, 0o600);
    const dir = join(file, "..");
    expect(unsafeKnownHosts(file)).toMatch(new RegExp(`folder of the known_hosts file ${dir} is writable by group and others.*Fix: chmod 700 ${dir}`));
    expect(unsafeKnownHosts(join(dir, "absent"))).toMatch(/folder of the known_hosts file/);
  });

  it("accepts a sticky world-writable folder such as /tmp", () => {
    expect(unsafeKnownHosts(fileWithMode(0o1777, 0o600))).toBeUndefined();
  });

  it("refuses a file that belongs to another user", () => {
    const stat = (p: string) => ({ uid: p.endsWith("known_hosts") ? 4242 : 1000, mode: p.endsWith("known_hosts") ? 0o100600 : 0o40700, isDirectory: () => !p.endsWith("known_hosts") });
    expect(unsafeKnownHosts("/home/op/.ferry/known_hosts", stat, 1000)).toMatch(/belongs to user id 4242, not to you or root.*Fix: chown/);
    expect(unsafeKnownHosts("/home/op/.ferry/known_hosts", (p) => ({ ...stat(p), uid: 0 }), 1000)).toBeUndefined();
  });
});

describe("KnownHosts", () => {
  it("trusts no key from a world-writable file: judging a key throws known-hosts-unsafe", () => {
    const kh = new KnownHosts({ files: [fileWithMode(0o700, 0o666)] });
    let err: unknown;
    try {
      kh.typesFor("app01");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "known-hosts-unsafe", outcome: "not-started" });
  });

  it("reads the same file once it is private", () => {
    const kh = new KnownHosts({ files: [fileWithMode(0o700, 0o600)] });
    expect(kh.typesFor("app01")).toEqual(["ssh-ed25519"]);
  });

  it("refuses to pin into a pin file whose folder others can write", () => {
    const file = fileWithMode(0o777, 0o600);
    const kh = new KnownHosts({ files: [], pinFile: file });
    expect(() => kh.typesFor("app01")).toThrow(/writable by group and others/);
  });
});

const missing = sshdMissingReason();

describe.skipIf(missing)(`against a real sshd${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let key: ClientKey;
  beforeAll(async () => {
    key = makeClientKey(tempDir("ferry-key-"));
    sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  async function attempt(mode: number) {
    // The project's pin file holds the server's real key: only its mode decides.
    const project = tempDir("ferry-proj-");
    mkdirSync(join(project, ".ferry"), { mode: 0o700 });
    const pin = join(project, ".ferry", "known_hosts");
    writeFileSync(pin, sshd.knownHostsLines.join("\n") + "\n");
    chmodSync(pin, mode);
    const actions = createSshActions({ sshConfigPath: false, agent: false, identityFiles: [key.privateKeyPath], projectDir: project, knownHostsFiles: [pin] });
    try {
      return await actions.ssh.run(makeCtx([hostFor("app01", sshd)]), { host: "app01", run: "echo ran" });
    } finally {
      await actions.close();
    }
  }

  it("refuses to connect when .ferry/known_hosts is world-writable, and connects once it is 0600", async () => {
    const err = await attempt(0o666).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "known-hosts-unsafe", outcome: "not-started" });
    expect((err as Error).message).toMatch(/Fix: chmod 600 /);
    const ok = await attempt(0o600);
    expect(ok.stdout).toBe("ran");
  });
});
