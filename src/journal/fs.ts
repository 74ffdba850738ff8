/**
 * The few file-system calls the journal makes, behind one small interface. Production uses
 * `nodeFs`; tests wrap it to observe the order of write, fdatasync and directory fsync, or to
 * make fdatasync fail with EIO/ENOSPC.
 */
import fs from "node:fs";
import { promisify } from "node:util";

export interface JournalFs {
  /** open(2); returns the fd. */
  open(path: string, flags: number, mode?: number): Promise<number>;
  close(fd: number): Promise<void>;
  /** write(2) at the current position (the journal opens with O_APPEND); may write fewer bytes. Synchronous in nodeFs. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number): Promise<number>;
  /** pread(2). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  fdatasync(fd: number): Promise<void>;
  fsync(fd: number): Promise<void>;
  ftruncate(fd: number, length: number): Promise<void>;
  fstat(fd: number): Promise<{ size: number; mode: number }>;
  /** stat(2); rejects with ENOENT when absent. */
  stat(path: string): Promise<{ mode: number; isDirectory(): boolean }>;
  /** mkdir(2), not recursive; rejects with EEXIST when present. */
  mkdir(path: string, mode: number): Promise<void>;
}

// The journal's write is a synchronous write(2) on purpose: it only copies one batch (a few KB)
// into the page cache, and the fdatasync that makes it durable stays asynchronous. Going
// through the thread pool for the copy as well cost a second hand-off per commit, which on a
// loaded 2-core machine made group commit 1.5 - 2x slower (bench/journal.ts). Errors still
// arrive as a rejected promise.
const write = async (fd: number, b: Uint8Array, o: number, l: number): Promise<number> => fs.writeSync(fd, b, o, l);
// Plain callback wrappers: fs.read's promisified form resolves to an object, not a count.
const read = (fd: number, b: Uint8Array, o: number, l: number, p: number): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, b, o, l, p, (err, n) => (err ? reject(err) : resolve(n))));
const open = (path: string, flags: number, mode?: number): Promise<number> =>
  new Promise((resolve, reject) => fs.open(path, flags, mode, (err, fd) => (err ? reject(err) : resolve(fd))));

/** The real file system, through libuv's thread pool. */
export const nodeFs: JournalFs = {
  open,
  close: promisify(fs.close),
  write,
  read,
  fdatasync: promisify(fs.fdatasync),
  fsync: promisify(fs.fsync),
  ftruncate: promisify(fs.ftruncate),
  fstat: promisify(fs.fstat),
  stat: (path) => fs.promises.stat(path),
  mkdir: async (path, mode) => {
    await fs.promises.mkdir(path, { mode });
  },
};

export const { O_RDONLY, O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_APPEND, O_DIRECTORY } = fs.constants;

/**
 * fsync a directory, so an entry created, renamed or removed in it survives a power cut
 * (without this, a new file can vanish after a crash even though its data was synced).
 */
export async function fsyncDir(io: JournalFs, dir: string): Promise<void> {
  const fd = await io.open(dir, O_RDONLY | O_DIRECTORY);
  try {
    await io.fsync(fd);
  } finally {
    await io.close(fd);
  }
}
