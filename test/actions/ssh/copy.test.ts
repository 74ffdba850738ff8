import { createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActionError } from "../../../src/actions/errors.js";
import type { SshActions } from "../../../src/actions/ssh/index.js";
import { sshdMissingReason } from "../../harness/sshd.js";
import type { Sshd } from "../../harness/sshd.js";
import { hostFor, makeCtx, startSshdWithActions, stopSshdWithActions, tempDir } from "./helpers.js";

const missing = sshdMissingReason();

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

/** A folder the login user of the test sshd may write to (it is not the user running the tests). */
function sharedDir(prefix: string): string {
  const dir = tempDir(prefix);
  chmodSync(dir, 0o777);
  return dir;
}

describe.skipIf(missing)(`copy action (SFTP) against a real sshd${missing ? ` (skipped: ${missing})` : ""}`, () => {
  let sshd: Sshd;
  let actions: SshActions;
  let local: string;
  let remote: string;
  const host = () => hostFor("files01", sshd);

  beforeAll(async () => {
    ({ sshd, actions } = await startSshdWithActions());
    local = tempDir("ferry-copy-local-");
    remote = sharedDir("ferry-copy-remote-");
  });
  afterAll(() => stopSshdWithActions({ sshd, actions }));

  it("uploads a file with a mode and reports its SHA-256, verified on the host", async () => {
    const data = randomBytes(300_000);
    const from = join(local, "payload.bin");
    writeFileSync(from, data);
    const to = join(remote, "payload.bin");
    const out = await actions.copy.run(makeCtx([host()]), { host: "files01", direction: "upload", from, to, mode: "0640" });
    expect(out).toMatchObject({ count: 1, bytes: data.length, verified: true, sha256: sha256(data) });
    expect(readFileSync(to).equals(data)).toBe(true);
    expect(statSync(to).mode & 0o777).toBe(0o640);
  });

  it("uploads into an existing remote folder under the source's name, resolving relative sources against the project folder", async () => {
    writeFileSync(join(local, "app.conf"), "listen 8080\n");
    const dest = join(remote, "etc");
    mkdirSync(dest, { mode: 0o777 });
    chmodSync(dest, 0o777);
    const out = await actions.copy.run(makeCtx([host()], { cwd: local }), { host: "files01", direction: "upload", from: "app.conf", to: dest });
    expect(out.files).toEqual([{ path: join(dest, "app.conf"), bytes: 12, sha256: sha256("listen 8080\n") }]);
    expect(readFileSync(join(dest, "app.conf"), "utf8")).toBe("listen 8080\n");
  });

  it("round-trips a directory tree: upload, download, and every checksum matches", async () => {
    const tree = join(local, "site");
    mkdirSync(join(tree, "a", "b"), { recursive: true });
    const files: Record<string, Buffer> = {
      "index.html": Buffer.from("<h1>ok</h1>\n"),
      "a/data.bin": randomBytes(70_000),
      "a/b/empty.txt": Buffer.alloc(0),
      "a/b/name with spaces & 'quotes'.txt": Buffer.from("odd name\n"),
    };
    for (const [rel, data] of Object.entries(files)) writeFileSync(join(tree, rel), data);

    const up = await actions.copy.run(makeCtx([host()]), { host: "files01", direction: "upload", from: tree, to: join(remote, "site") });
    expect(up).toMatchObject({ count: 4, verified: true });

    const back = tempDir("ferry-copy-back-");
    const down = await actions.copy.run(makeCtx([host()]), { host: "files01", direction: "download", from: join(remote, "site"), to: join(back, "site") });
    expect(down).toMatchObject({ count: 4, verified: true });
    for (const [rel, data] of Object.entries(files)) {
      expect(sha256(readFileSync(join(back, "site", rel)))).toBe(sha256(data));
    }
    const byPath = new Map((down.files as { path: string; sha256: string }[]).map((f) => [f.path, f.sha256]));
    expect(byPath.get(join(back, "site", "a", "data.bin"))).toBe(sha256(files["a/data.bin"]!));
    expect(actions.pool.stats()).toMatchObject({ connections: 1, openChannels: 0 });
  });

  it("refuses a missing local source before connecting", async () => {
    const before = actions.pool.stats().connects;
    const err = await actions.copy.run(makeCtx([host()]), { host: "files01", direction: "upload", from: join(local, "nope"), to: remote }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ outcome: "not-started" });
    expect((err as Error).message).toContain("does not exist");
    expect(actions.pool.stats().connects).toBe(before);
  });

  it("fails a download of a missing remote path as not started", async () => {
    const err = await actions.copy
      .run(makeCtx([host()]), { host: "files01", direction: "download", from: join(remote, "missing.txt"), to: local })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActionError);
    expect(err).toMatchObject({ code: "copy-failed", outcome: "not-started" });
    expect((err as Error).message).toContain("files01:");
  });

  it("checks reachability and the local source in the dry run", async () => {
    writeFileSync(join(local, "dry.txt"), "x");
    const line = await actions.copy.preflight!(makeCtx([host()]), { host: "files01", direction: "upload", from: join(local, "dry.txt"), to: remote });
    expect(line).toMatch(/^files01 \(.+\): reachable, host key ED25519 SHA256:\S+, authenticated with /);
  });
});
