import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import type { ActionContext } from "../../../src/actions/types.js";
import type { Host } from "../../../src/model/estate.js";
import { createSshActions } from "../../../src/actions/ssh/index.js";
import type { SshActions, SshOptions } from "../../../src/actions/ssh/index.js";
import { makeClientKey, startSshd } from "../../harness/sshd.js";
import type { ClientKey, Sshd } from "../../harness/sshd.js";

/** An estate host record pointing at a test sshd. */
export function hostFor(id: string, sshd: Sshd, via?: string): Host {
  return { id, site: "lab", address: "127.0.0.1", os: "linux", ssh: { user: sshd.user, port: sshd.port, ...(via ? { via } : {}) } };
}

export interface TestContext extends ActionContext {
  lines: { stream: "stdout" | "stderr"; line: string }[];
}

/** An ActionContext over a fixed set of hosts, collecting output lines. */
export function makeCtx(hosts: Host[], opts: { signal?: AbortSignal; secrets?: Record<string, string>; cwd?: string } = {}): TestContext {
  const byId = new Map(hosts.map((h) => [h.id, h]));
  const lines: TestContext["lines"] = [];
  return {
    signal: opts.signal ?? new AbortController().signal,
    log: pino({ level: "silent" }),
    onLine: (stream, line) => lines.push({ stream, line }),
    host: (id) => byId.get(id),
    secrets: new Map(Object.entries(opts.secrets ?? {})),
    cwd: opts.cwd ?? process.cwd(),
    lines,
  };
}

const made: string[] = [];

/** A fresh folder under the system temp dir, removed by `removeTempDirs()`. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Remove every folder `tempDir()` made in this test file (call from `afterAll`). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A fresh folder with a known_hosts file holding `lines`. */
export function knownHostsFile(lines: string[]): string {
  const dir = tempDir("ferry-kh-");
  const file = join(dir, "known_hosts");
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

/** A throwaway project folder (for `.ferry/known_hosts`). */
export function projectDir(): string {
  return tempDir("ferry-proj-");
}

/** A real sshd with a fresh client key, and ssh actions that trust exactly its host key. */
export async function startSshdWithActions(options: Partial<SshOptions> = {}): Promise<{ sshd: Sshd; key: ClientKey; actions: SshActions }> {
  const key = makeClientKey(tempDir("ferry-key-"));
  const sshd = await startSshd({ authorizedKeys: [key.publicKey] });
  const actions = createSshActions({
    projectDir: projectDir(),
    knownHostsFiles: [knownHostsFile(sshd.knownHostsLines)],
    sshConfigPath: false,
    agent: false,
    identityFiles: [key.privateKeyPath],
    ...options,
  });
  return { sshd, key, actions };
}

/** Undo {@link startSshdWithActions} (call from `afterAll`; tolerates a failed start). */
export async function stopSshdWithActions(started: { sshd?: Sshd; actions?: SshActions }): Promise<void> {
  await started.actions?.close();
  await started.sshd?.stop();
  removeTempDirs();
}
