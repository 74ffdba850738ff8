/**
 * Write a file through a temporary name and a rename, so a reader never sees half a plan, pack
 * or approval: the text is synced before the rename and the folder after it, so after a crash
 * the path holds either the old file or the whole new one.
 */
import { mkdir, open, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { FerryError } from "../model/codes.js";
import { errnoCode } from "./errors.js";

/** Node's words for why a path could not be written, as a person reads them. */
const WHY: Record<string, string> = {
  EACCES: "permission denied",
  EPERM: "not permitted",
  EROFS: "the file system is read-only",
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is used up",
  EISDIR: "it is a folder",
  ENOTDIR: "a part of the path is a file, not a folder",
  ENOENT: "nothing can be created there",
  EEXIST: "a file is in the way",
};

/**
 * Write `text` to `path` atomically. A path the operator named that cannot be written (a
 * read-only place, a full disk, a file where a folder should be) is a FerryError naming the path
 * and why, not an internal error about a temporary file.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  try {
    await writeThrough(path, text);
  } catch (err) {
    const why = WHY[errnoCode(err) ?? ""];
    if (!why) throw err;
    throw new FerryError("path-unusable", `cannot write ${path}: ${why}`, "Choose a path you can write to (--out), or fix the folder's permissions or free space.", { cause: err });
  }
}

async function writeThrough(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(tmp, "w");
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const folder = await open(dir, "r");
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
