/**
 * Digests of a project's files as read, and re-reading a file for positions only when it is
 * still the text that was read: the loader (model/load.ts) and its parallel estate reader
 * (model/estate-parallel.ts) share them.
 */
import { isUtf8 } from "node:buffer";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * The digest of a file's text as read (sha256 of its UTF-8), computed on the bytes when they
 * are valid UTF-8, which is then the same thing without decoding first: an unchanged file
 * found in the cache is never decoded at all.
 */
export function digestOfBytes(bytes: Buffer): string {
  return sha256(isUtf8(bytes) ? bytes : bytes.toString("utf8"));
}

/**
 * The text of a file read before, for positions. Should it have changed since (edited while
 * ferry ran), positions in it would be wrong: the empty text makes them point at 1:1 instead.
 */
export function rereadText(path: string, digest: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return "";
  }
  return sha256(text) === digest ? text : "";
}
