/**
 * A run lock, so two operators cannot run the same wave (or resume the same run) at once on
 * this machine. The lock is a file `<state>/locks/<key>.lock` holding who took it (pid, host,
 * owner, start time) and a fencing token: a per-key counter, kept in `<key>.token`, that grows
 * by one with every acquisition, so records and side effects can be tagged with it and a
 * superseded holder is recognisable.
 *
 * The lock file is written in full to a private temp file first and then published with
 * link(2), which, like O_EXCL, fails with EEXIST when the name exists, but never exposes a
 * half-written lock. A lock whose holder ran on this host and whose pid is gone (kill(pid, 0)
 * says ESRCH) is stale; it is replaced with rename(2) only by the one process that wins a
 * per-stale-lock takeover marker, after re-reading that the lock is still the stale one.
 *
 * For teams, the PostgreSQL backend replaces this with advisory locks; this file only has to
 * be correct on one machine.
 */
import { randomUUID } from "node:crypto";
import { promises as fsp } from "node:fs";
import os from "node:os";
import path from "node:path";
import { JournalError, errnoCode } from "./errors.js";
import { fsyncDir, nodeFs } from "./fs.js";
import { sha256 } from "./record.js";
import { ensurePrivateDir, FILE_MODE } from "./state-dir.js";

/** Who holds a lock: the content of the lock file. */
export interface LockHolder {
  key: string;
  pid: number;
  hostname: string;
  owner: string;
  /** ISO time the lock was taken. */
  started: string;
  /** Fencing token; 0 only in the instant between taking the lock and numbering it. */
  token: number;
}

export interface RunLock {
  readonly key: string;
  /** The lock file. */
  readonly path: string;
  /** Fencing token: strictly greater than every earlier holder's of this key. */
  readonly token: number;
  readonly holder: LockHolder;
  /** Remove the lock if this process still holds it. Idempotent. */
  release(): Promise<void>;
}

export interface AcquireRunLockOptions {
  /** Who is running, for the loser's message. @default `${username}@${hostname}` */
  owner?: string;
  /** Liveness check for a holder on this host (a seam for tests). @default kill(pid, 0) */
  isAlive?: (pid: number) => boolean;
}

/** Another process holds the lock; `holder` says who and since when. */
export class RunLockedError extends JournalError {
  override name = "RunLockedError";
  constructor(
    message: string,
    readonly holder: LockHolder | undefined,
    opts: { path: string; hint: string },
  ) {
    super("run-locked", message, opts);
  }
}

const KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const MAX_ROUNDS = 8;

/** The default owner string: `user@host`. */
export function defaultOwner(): string {
  let user = "unknown";
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (containers): keep "unknown"
  }
  return `${user}@${os.hostname()}`;
}

/** Take the lock for `key` or throw RunLockedError naming the holder. Stale locks of dead local processes are taken over. */
export async function acquireRunLock(stateDir: string, key: string, opts: AcquireRunLockOptions = {}): Promise<RunLock> {
  if (!KEY.test(key)) {
    throw new JournalError("usage", `Invalid lock key "${key}": use letters, digits, dot, dash and underscore.`);
  }
  const isAlive = opts.isAlive ?? pidAlive;
  await ensurePrivateDir(stateDir, { create: true });
  const dir = path.join(path.resolve(stateDir), "locks");
  await ensurePrivateDir(dir, { create: true });
  const lockPath = path.join(dir, `${key}.lock`);
  const holder: LockHolder = { key, pid: process.pid, hostname: os.hostname(), owner: opts.owner ?? defaultOwner(), started: new Date().toISOString(), token: 0 };

  const tmp = path.join(dir, `.${key}.${process.pid}.${randomUUID()}.tmp`);
  await writeDurable(tmp, holder);
  let staleToken = 0;
  try {
    let won = false;
    for (let round = 0; round < MAX_ROUNDS && !won; round++) {
      try {
        await fsp.link(tmp, lockPath);
        won = true;
        break;
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") throw lockIo(`Cannot create ${lockPath}`, lockPath, err);
      }
      const current = await readLock(lockPath);
      if (current === undefined) continue; // released between our link and our read: try again
      if (current.holder === undefined) {
        throw new RunLockedError(`Run lock ${lockPath} exists but cannot be read.`, undefined, {
          path: lockPath,
          hint: `If no ferry process is running this, remove ${lockPath} and try again.`,
        });
      }
      if (!isStale(current.holder, isAlive)) throw lockedBy(current.holder, lockPath);

      // Stale: only the winner of this marker may replace this particular stale lock.
      const marker = path.join(dir, `${key}.takeover-${sha256(current.raw).slice(0, 16)}`);
      try {
        await fsp.writeFile(marker, `${process.pid}\n`, { flag: "wx", mode: FILE_MODE });
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") throw lockIo(`Cannot create ${marker}`, marker, err);
        const now = await readLock(lockPath);
        if (now?.raw !== current.raw) continue; // someone else finished the takeover: look again
        throw new RunLockedError(`Another process is taking over the stale run lock ${lockPath} (left by pid ${current.holder.pid}).`, current.holder, {
          path: lockPath,
          hint: `Try again in a moment; if it persists and no ferry process is running, remove ${marker}.`,
        });
      }
      try {
        const again = await readLock(lockPath);
        if (again?.raw !== current.raw) continue; // it changed before we got the marker
        staleToken = current.holder.token;
        await fsp.rename(tmp, lockPath);
        won = true;
      } finally {
        await fsp.unlink(marker).catch(() => undefined);
      }
    }
    if (!won) {
      throw new RunLockedError(`Could not take run lock ${lockPath}: it kept changing hands.`, undefined, { path: lockPath, hint: "Another ferry is starting the same run; try again." });
    }
  } finally {
    await fsp.unlink(tmp).catch(() => undefined);
  }

  // We hold the lock: number it. Doing this under the lock (not before) is what makes tokens
  // unique: two racers may read the same counter, but only the holder advances it.
  const tokenPath = path.join(dir, `${key}.token`);
  const token = Math.max(await readCounter(tokenPath), staleToken) + 1;
  await replaceDurable(path.join(dir, `.${key}.token.${process.pid}.${randomUUID()}.tmp`), tokenPath, `${token}\n`);
  holder.token = token;
  await replaceDurable(path.join(dir, `.${key}.${process.pid}.${randomUUID()}.tmp`), lockPath, `${JSON.stringify(holder)}\n`);
  await fsyncDir(nodeFs, dir);

  let released = false;
  return {
    key,
    path: lockPath,
    token,
    holder: { ...holder },
    async release() {
      if (released) return;
      released = true;
      const current = await readLock(lockPath);
      // Never remove a lock that is no longer ours (taken over after we were presumed dead).
      if (current?.holder?.pid !== holder.pid || current.holder.token !== token || current.holder.hostname !== holder.hostname) return;
      await fsp.unlink(lockPath).catch(() => undefined);
      await fsyncDir(nodeFs, dir).catch(() => undefined);
    },
  };
}

/** Who holds the lock for `key`, if anyone (for `ferry status`). Does not check liveness. */
export async function readRunLock(stateDir: string, key: string): Promise<LockHolder | undefined> {
  return (await readLock(path.join(path.resolve(stateDir), "locks", `${key}.lock`)))?.holder;
}

function isStale(h: LockHolder, isAlive: (pid: number) => boolean): boolean {
  // A process on another host cannot be checked from here: never presume it dead.
  return h.hostname === os.hostname() && !isAlive(h.pid);
}

/** kill(pid, 0): ESRCH means no such process; EPERM means it exists under another user. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) !== "ESRCH";
  }
}

function lockedBy(h: LockHolder, lockPath: string): RunLockedError {
  const local = h.hostname === os.hostname();
  return new RunLockedError(
    `Run "${h.key}" is locked by ${h.owner} (pid ${h.pid} on ${h.hostname}) since ${h.started}${h.token ? `, fencing token ${h.token}` : ""}.`,
    h,
    {
      path: lockPath,
      hint: local
        ? "Another ferry is running this; wait for it to finish. A lock left by a dead process is taken over automatically."
        : `ferry cannot check a process on ${h.hostname}; if that run is dead, remove ${lockPath}.`,
    },
  );
}

async function readLock(p: string): Promise<{ raw: string; holder?: LockHolder } | undefined> {
  let raw: string;
  try {
    raw = await fsp.readFile(p, "utf8");
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return undefined;
    throw lockIo(`Cannot read ${p}`, p, err);
  }
  try {
    const h = JSON.parse(raw) as Partial<LockHolder>;
    if (typeof h.pid === "number" && typeof h.hostname === "string" && typeof h.owner === "string" && typeof h.started === "string" && typeof h.token === "number") {
      return { raw, holder: h as LockHolder };
    }
  } catch {
    // fall through: unreadable
  }
  return { raw };
}

async function readCounter(p: string): Promise<number> {
  try {
    const n = Number((await fsp.readFile(p, "utf8")).trim());
    return Number.isSafeInteger(n) && n >= 0 ? n : 0;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return 0;
    throw lockIo(`Cannot read ${p}`, p, err);
  }
}

/** Write a new private file and fsync it before anyone can see it. */
async function writeDurable(p: string, holder: LockHolder): Promise<void> {
  const fh = await fsp.open(p, "wx", FILE_MODE).catch((err: unknown) => {
    throw lockIo(`Cannot create ${p}`, p, err);
  });
  try {
    await fh.writeFile(`${JSON.stringify(holder)}\n`);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Atomically replace `target` with `content` (temp file, fsync, rename). The caller fsyncs the directory. */
async function replaceDurable(tmp: string, target: string, content: string): Promise<void> {
  const fh = await fsp.open(tmp, "wx", FILE_MODE);
  try {
    await fh.writeFile(content);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, target);
}

function lockIo(what: string, p: string, err: unknown): JournalError {
  return new JournalError("journal-io", `${what}: ${(err as Error).message}`, { path: p, cause: err });
}
