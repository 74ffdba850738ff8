import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { chmod, lstat, mkdir, readdir, rename, stat, unlink } from "node:fs/promises";
import { basename, isAbsolute, join, posix, resolve as resolvePath } from "node:path";
import type { Stats as SftpStats, SFTPWrapper } from "ssh2";
import { abortError } from "../abort.js";
import { ActionError } from "../errors.js";
import { invalidSpec } from "../invalid-spec.js";
import type { ActionContext, ActionOutput } from "../types.js";
import type { CopySpec } from "../../model/runbook.js";
import { connectionLost } from "./classify.js";
import type { Endpoint } from "./endpoint.js";
import { execOnHost, untilAborted } from "./exec.js";
import { NotConnectedError } from "./pool.js";
import type { PooledConnection, SshPool } from "./pool.js";
import { shellQuote } from "../shell-quote.js";
import { psQuote } from "../shell/powershell.js";
import type { Host } from "../../model/estate.js";
import { windowsDisplayPath, windowsSftpPath } from "./windows-path.js";

/** One file copied, for `outputs.files`. */
export interface CopiedFile {
  /** Destination path. */
  path: string;
  bytes: number;
  sha256: string;
}

interface Job {
  local: string;
  remote: string;
  bytes: number;
}

const PARALLEL_FILES = 4;
const HASH_BATCH = 200;

function sftpCall<T>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

async function remoteStat(sftp: SFTPWrapper, path: string): Promise<SftpStats | undefined> {
  try {
    return await sftpCall<SftpStats>((cb) => sftp.stat(path, cb));
  } catch (err) {
    if ((err as { code?: number }).code === 2) return undefined; // SSH_FX_NO_SUCH_FILE
    throw err;
  }
}

async function remoteMkdirs(sftp: SFTPWrapper, dir: string): Promise<void> {
  const st = await remoteStat(sftp, dir);
  if (st?.isDirectory()) return;
  if (st) throw new Error(`${dir} exists and is not a directory`);
  await sftpCall<void>((cb) => sftp.mkdir(dir, cb));
}

/** Replace `to` with `from` atomically where the server supports OpenSSH's posix-rename. */
async function remoteReplace(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  try {
    await sftpCall<void>((cb) => sftp.ext_openssh_rename(from, to, cb));
  } catch {
    await sftpCall<void>((cb) => sftp.unlink(to, cb)).catch(() => {});
    await sftpCall<void>((cb) => sftp.rename(from, to, cb));
  }
}

/** SHA-256 of a local file, streamed. */
export function hashLocalFile(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path)
      .on("data", (d) => h.update(d))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

function hashRemoteFile(sftp: SFTPWrapper, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    sftp
      .createReadStream(path)
      .on("data", (d: Buffer) => h.update(d))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

async function localWalk(root: string, remoteRoot: string, jobs: Job[], dirs: string[], skipped: string[]): Promise<void> {
  dirs.push(remoteRoot);
  for (const entry of (await readdir(root, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const local = join(root, entry.name);
    const remote = posix.join(remoteRoot, entry.name);
    if (entry.isDirectory()) await localWalk(local, remote, jobs, dirs, skipped);
    else if (entry.isFile()) jobs.push({ local, remote, bytes: (await stat(local)).size });
    else skipped.push(local);
  }
}

async function remoteWalk(sftp: SFTPWrapper, root: string, localRoot: string, jobs: Job[], dirs: string[], skipped: string[]): Promise<void> {
  dirs.push(localRoot);
  const list = await sftpCall<{ filename: string; attrs: SftpStats }[]>((cb) => sftp.readdir(root, cb));
  for (const entry of list.sort((a, b) => a.filename.localeCompare(b.filename))) {
    if (entry.filename === "." || entry.filename === "..") continue;
    const remote = posix.join(root, entry.filename);
    const local = join(localRoot, entry.filename);
    if (entry.attrs.isDirectory()) await remoteWalk(sftp, remote, local, jobs, dirs, skipped);
    else if (entry.attrs.isFile()) jobs.push({ local, remote, bytes: entry.attrs.size });
    else skipped.push(remote);
  }
}

async function inParallel<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export interface CopyOptions {
  pool: SshPool;
  endpoint: Endpoint;
  killGraceMs: number;
  /** The host's `os`: on `windows` remote paths are Windows paths and checksums come from Get-FileHash. */
  os?: Host["os"];
}

/**
 * The `copy` action's work: SFTP upload or download of a file or a whole directory, each file
 * written to a temporary name and renamed into place (a reader never sees half a file), then
 * SHA-256 verified: `sha256sum` on the host, or reading the file back over SFTP when the host
 * has no `sha256sum`. A mismatch fails the step (transient: a retry copies again).
 */
export async function copyOverSftp(ctx: ActionContext, given: CopySpec, opts: CopyOptions): Promise<ActionOutput> {
  const { pool, endpoint: ep } = opts;
  const upload = (given.direction ?? "upload") === "upload";
  const windows = opts.os === "windows";
  if (windows && given.mode !== undefined) {
    throw invalidSpec(`copy: mode ${given.mode} on ${ep.name}, a Windows host: Windows files have ACLs, not modes`, "Remove mode, and set permissions with icacls (or Set-Acl) in an ssh step.");
  }
  // The remote side in the SFTP server's spelling; outputs and messages use the runbook's.
  const spec: CopySpec = windows ? (upload ? { ...given, to: windowsSftpPath(given.to, "to") } : { ...given, from: windowsSftpPath(given.from, "from") }) : given;
  const shown = (remote: string) => (windows ? windowsDisplayPath(remote) : remote);
  const what = `copying ${spec.from} ${upload ? "to" : "from"} ${ep.name}${upload ? `:${spec.to}` : ""}`;
  const mode = spec.mode === undefined ? undefined : parseInt(spec.mode, 8);
  const localFrom = upload ? (isAbsolute(spec.from) ? spec.from : resolvePath(ctx.cwd, spec.from)) : undefined;
  if (localFrom) {
    try {
      await stat(localFrom);
    } catch {
      throw invalidSpec(`copy: local file ${localFrom} does not exist`, "Fix `from` (relative paths start at the project folder).");
    }
  }

  const conn: PooledConnection = await untilAborted(pool.connection(ep), ctx.signal, what);
  let lease;
  try {
    lease = await pool.openSession<SFTPWrapper>(conn, ctx.signal, (client, done) => client.sftp(done));
  } catch (err) {
    if (ctx.signal.aborted) throw abortError(ctx.signal, `${what} was not started`, "not-started");
    if (err instanceof NotConnectedError) throw connectionLost(ep, "opening SFTP", conn.closeReason ?? err);
    throw err;
  }
  const sftp = lease.channel;
  sftp.on("error", () => {});
  const nonce = randomBytes(6).toString("hex");
  const jobs: Job[] = [];
  const dirs: string[] = [];
  const skipped: string[] = [];
  const onAbort = () => sftp.end();
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const sftpClosed = new Promise<void>((r) => sftp.once("close", () => r()));

  try {
    if (upload) {
      const src = localFrom!;
      const st = await stat(src);
      const dest = await remoteStat(sftp, spec.to);
      const target = dest?.isDirectory() ? posix.join(spec.to, basename(src)) : spec.to;
      if (st.isDirectory()) await localWalk(src, target, jobs, dirs, skipped);
      else jobs.push({ local: src, remote: target, bytes: st.size });
      for (const d of dirs) await remoteMkdirs(sftp, d);
      await inParallel(jobs, PARALLEL_FILES, async (job) => {
        const tmp = `${job.remote}.ferry-tmp-${nonce}`;
        await sftpCall<void>((cb) => sftp.fastPut(job.local, tmp, mode === undefined ? {} : { mode }, cb));
        if (mode !== undefined) await sftpCall<void>((cb) => sftp.chmod(tmp, mode, cb));
        await remoteReplace(sftp, tmp, job.remote);
      });
    } else {
      const st = await remoteStat(sftp, spec.from);
      if (!st) throw new ActionError("copy-failed", `copy: ${ep.name}:${spec.from} does not exist`, { outcome: "not-started", hint: "Fix `from`: for downloads it is the remote path." });
      const localTo = isAbsolute(spec.to) ? spec.to : resolvePath(ctx.cwd, spec.to);
      const destIsDir = await stat(localTo).then((s) => s.isDirectory(), () => false);
      const target = destIsDir ? join(localTo, posix.basename(spec.from)) : localTo;
      if (st.isDirectory()) await remoteWalk(sftp, spec.from, target, jobs, dirs, skipped);
      else jobs.push({ local: target, remote: spec.from, bytes: st.size });
      for (const d of dirs) await mkdir(d, { recursive: true });
      await inParallel(jobs, PARALLEL_FILES, async (job) => {
        const tmp = `${job.local}.ferry-tmp-${nonce}`;
        await sftpCall<void>((cb) => sftp.fastGet(job.remote, tmp, cb));
        if (mode !== undefined) await chmod(tmp, mode);
        await rename(tmp, job.local);
      });
    }
  } catch (err) {
    if (ctx.signal.aborted) throw abortError(ctx.signal, `${what}: stopped the transfer; temporary *.ferry-tmp-${nonce} files may remain`);
    if (!conn.alive) throw connectionLost(ep, what, conn.closeReason ?? err);
    if (err instanceof ActionError) throw err;
    if (!upload) for (const j of jobs) await unlink(`${j.local}.ferry-tmp-${nonce}`).catch(() => {});
    throw new ActionError("copy-failed", `copy failed (${what}): ${(err as Error).message}`, {
      hint: "Check the paths and permissions on both sides.",
      cause: err,
    });
  } finally {
    ctx.signal.removeEventListener("abort", onAbort);
    sftp.end();
    // The SFTP session is released only once closed, so the hash exec below finds a free slot.
    await Promise.race([sftpClosed, new Promise((r) => setTimeout(r, 2000).unref())]);
    lease.release();
  }

  const files: CopiedFile[] = [];
  const localHashes = await Promise.all(jobs.map((j) => hashLocalFile(j.local)));
  if (spec.verify !== false && jobs.length > 0) {
    const remoteHashes = await remoteHashesOf(ctx, opts, jobs.map((j) => j.remote));
    const bad = jobs.filter((_, i) => remoteHashes[i] !== localHashes[i]).map((b) => ({ ...b, remote: shown(b.remote) }));
    if (bad.length > 0) {
      throw new ActionError("checksum-mismatch", `copy: SHA-256 differs after ${what} for ${bad.length} file(s): ${bad.slice(0, 5).map((b) => (upload ? b.remote : b.local)).join(", ")}`, {
        transient: true,
        outcome: "unknown",
        hint: "The copy was corrupted or the file changed during the copy; the step may be retried.",
      });
    }
  }
  jobs.forEach((j, i) => files.push({ path: upload ? shown(j.remote) : j.local, bytes: j.bytes, sha256: localHashes[i]! }));
  const out: ActionOutput = {
    count: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    verified: spec.verify !== false,
    files: files.slice(0, 1000),
  };
  if (files.length === 1) out.sha256 = files[0]!.sha256;
  if (skipped.length) out.skipped = skipped;
  return out;
}

/** Remote SHA-256 of each path, in order: `sha256sum` in batches, else read back over SFTP. */
async function remoteHashesOf(ctx: ActionContext, opts: CopyOptions, paths: string[]): Promise<string[]> {
  if (opts.os === "windows") return windowsHashes(ctx, opts, paths);
  const hashes: string[] = [];
  for (let i = 0; i < paths.length; i += HASH_BATCH) {
    const batch = paths.slice(i, i + HASH_BATCH);
    const r = await execOnHost(opts.pool, opts.endpoint, {
      command: `sha256sum -- ${batch.map(shellQuote).join(" ")}`,
      signal: ctx.signal,
      maxStdoutBytes: 64 * 1024 * 1024,
      maxStderrBytes: 16 * 1024,
      killGraceMs: opts.killGraceMs,
      what: `sha256sum on ${opts.endpoint.name}`,
    });
    if (r.kill) throw abortError(ctx.signal, `verifying the copy on ${opts.endpoint.name}: ${r.kill.detail}`);
    if (r.exitCode === 127) return readBackHashes(ctx, opts, paths);
    // GNU sha256sum escapes odd names with a leading backslash; the hash is still first.
    const lines = r.stdout.split("\n").filter(Boolean);
    if (r.exitCode !== 0 || lines.length !== batch.length) {
      throw new ActionError("copy-failed", `copy: could not checksum the files on ${opts.endpoint.name} (sha256sum exited ${r.exitCode}): ${r.stderr.trim().slice(-500)}`, {
        outcome: "unknown",
      });
    }
    for (const line of lines) hashes.push(line.replace(/^\\/, "").slice(0, 64));
  }
  return hashes;
}

/** SHA-256 of each path on a Windows host with Get-FileHash; read back over SFTP when that fails. */
async function windowsHashes(ctx: ActionContext, opts: CopyOptions, paths: string[]): Promise<string[]> {
  const hashes: string[] = [];
  for (let i = 0; i < paths.length; i += HASH_BATCH) {
    const batch = paths.slice(i, i + HASH_BATCH);
    const r = await execOnHost(opts.pool, opts.endpoint, {
      command: `foreach ($p in @(${batch.map((p) => psQuote(windowsDisplayPath(p))).join(", ")})) { (Get-FileHash -Algorithm SHA256 -LiteralPath $p).Hash.ToLowerInvariant() }`,
      shell: "powershell",
      signal: ctx.signal,
      maxStdoutBytes: 64 * 1024 * 1024,
      maxStderrBytes: 16 * 1024,
      killGraceMs: opts.killGraceMs,
      what: `Get-FileHash on ${opts.endpoint.name}`,
    });
    if (r.kill) throw abortError(ctx.signal, `verifying the copy on ${opts.endpoint.name}: ${r.kill.detail}`);
    const lines = r.stdout.split("\n").map((l) => l.trim()).filter(Boolean);
    if (r.exitCode !== 0 || lines.length !== batch.length || lines.some((l) => !/^[0-9a-f]{64}$/.test(l))) return readBackHashes(ctx, opts, paths);
    hashes.push(...lines);
  }
  return hashes;
}

async function readBackHashes(ctx: ActionContext, opts: CopyOptions, paths: string[]): Promise<string[]> {
  const conn = await untilAborted(opts.pool.connection(opts.endpoint), ctx.signal, "reading back");
  const lease = await opts.pool.openSession<SFTPWrapper>(conn, ctx.signal, (client, done) => client.sftp(done));
  try {
    const out: string[] = [];
    for (const p of paths) out.push(await hashRemoteFile(lease.channel, p));
    return out;
  } finally {
    lease.channel.end();
    lease.release();
  }
}

/** Whether a local source exists (for the dry run). */
export async function localSourceExists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
