/**
 * The state directory (`.ferry/` by default) holds run journals and locks. Anyone who can write
 * to it can rewrite history or steal a lock, so ferry refuses one that is group- or
 * world-writable, and creates its own directories 0700 (files 0600).
 */
import path from "node:path";
import { JournalError, errnoCode } from "./errors.js";
import { fsyncDir, nodeFs, type JournalFs } from "./fs.js";

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export interface PrivateDirOptions {
  /** Create the directory (and missing parents) when absent. @default false */
  create?: boolean;
  /** @default nodeFs */
  fs?: JournalFs;
}

/**
 * Make sure `dir` exists (creating it 0700 when asked, each new entry made durable by fsyncing
 * its parent) and is not writable by group or others. Returns whether it was created.
 */
export async function ensurePrivateDir(dir: string, opts: PrivateDirOptions = {}): Promise<boolean> {
  const io = opts.fs ?? nodeFs;
  const abs = path.resolve(dir);
  let created = false;
  if (!(await exists(io, abs))) {
    if (!opts.create) {
      throw new JournalError("journal-not-found", `Directory ${abs} does not exist.`, { path: abs, hint: "Check the --state directory." });
    }
    // Create from the first existing ancestor down, so every new entry's parent gets fsynced.
    const missing: string[] = [];
    for (let p = abs; !(await exists(io, p)); p = path.dirname(p)) missing.unshift(p);
    for (const p of missing) {
      try {
        await io.mkdir(p, DIR_MODE);
        created = p === abs || created;
      } catch (err) {
        if (errnoCode(err) !== "EEXIST") throw ioError(`Cannot create ${p}`, p, err);
      }
      await fsyncDir(io, path.dirname(p)).catch((err: unknown) => {
        throw ioError(`Cannot fsync ${path.dirname(p)}`, path.dirname(p), err);
      });
    }
  }
  await assertPrivate(io, abs);
  return created;
}

async function assertPrivate(io: JournalFs, dir: string): Promise<void> {
  const st = await io.stat(dir).catch((err: unknown) => {
    throw ioError(`Cannot stat ${dir}`, dir, err);
  });
  if (!st.isDirectory()) {
    throw new JournalError("state-dir-unsafe", `${dir} is not a directory.`, { path: dir, hint: "Point --state at a directory." });
  }
  const perm = st.mode & 0o777;
  if (perm & 0o022) {
    const who = [perm & 0o020 ? "group" : "", perm & 0o002 ? "others" : ""].filter(Boolean).join(" and ");
    throw new JournalError(
      "state-dir-unsafe",
      `State directory ${dir} is writable by ${who} (mode ${perm.toString(8).padStart(3, "0")}): anyone who can write there could alter run journals or steal run locks.`,
      { path: dir, hint: `Fix: chmod 700 ${dir}` },
    );
  }
}

async function exists(io: JournalFs, p: string): Promise<boolean> {
  try {
    await io.stat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw ioError(`Cannot stat ${p}`, p, err);
  }
}

function ioError(what: string, p: string, err: unknown): JournalError {
  return new JournalError("journal-io", `${what}: ${(err as Error).message}`, { path: p, cause: err });
}
