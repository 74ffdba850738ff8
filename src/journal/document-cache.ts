/**
 * The on-disk store behind model/'s DocumentCache: `.ferry/cache/` in the project folder, one
 * file per entry (`<kind>-<sha256 of the document>.json`). Each file is a header line naming the
 * cache format, the ferry version, the kind, the document digest and the sha256 of the payload,
 * then the payload (JSON). A file whose header does not match exactly, whose payload does not hash
 * to the header's digest, or that does not parse is a miss, never an answer. Writes go through a
 * temporary name and a rename, so a reader sees a whole entry or none; they are not fsynced (a torn
 * entry after a crash fails its hash and is a miss). A folder that cannot be written (read-only
 * checkout, full disk) turns writing off for the run: validation never fails because of the cache.
 * The whole folder is safe to delete at any time.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CACHE_FORMAT, type DocumentCache } from "../model/cache.js";

const ENTRY = /^([a-z]+)-([0-9a-f]{64})\.json$/;

export interface FileDocumentCache extends DocumentCache {
  /** Write what was put, then remove the entries this run neither read nor wrote. Never throws. */
  flush(): Promise<void>;
  /** Entries read and written so far (for tests and benchmarks). */
  readonly stats: { hits: number; misses: number; written: number; writeError?: string };
}

/** The cache folder of a project: `<dir>/.ferry/cache`. */
export function cacheDir(projectDir: string): string {
  return join(projectDir, ".ferry", "cache");
}

/**
 * A cache in `folder` for entries written by ferry `version` (any other version's entries are
 * misses). `version` should change whenever ferry's code does: the CLI passes its version and
 * a stamp of the installed build.
 */
export function openDocumentCache(folder: string, version: string): FileDocumentCache {
  const pending = new Map<string, Buffer>();
  const touched = new Set<string>();
  const stats: FileDocumentCache["stats"] = { hits: 0, misses: 0, written: 0 };
  const nameOf = (kind: string, digest: string) => {
    if (!/^[a-z]+$/.test(kind) || !/^[0-9a-f]{64}$/.test(digest)) throw new Error(`bad cache key ${kind}/${digest}`);
    return `${kind}-${digest}.json`;
  };
  // The payload is hashed and written as bytes: no second UTF-8 conversion of tens of megabytes.
  const header = (kind: string, digest: string, payload: Buffer) =>
    JSON.stringify({ ferryCache: CACHE_FORMAT, version, kind, digest, bytes: payload.length, sha256: createHash("sha256").update(payload).digest("hex") });

  const putJson = (kind: string, digest: string, json: string) => {
    const name = nameOf(kind, digest);
    touched.add(name);
    const payload = Buffer.from(json);
    pending.set(name, Buffer.concat([Buffer.from(`${header(kind, digest, payload)}\n`), payload]));
  };

  return {
    stats,
    get(kind, digest) {
      const name = nameOf(kind, digest);
      touched.add(name);
      let bytes: Buffer;
      try {
        bytes = readFileSync(join(folder, name));
      } catch {
        stats.misses++;
        return undefined;
      }
      try {
        const nl = bytes.indexOf(10);
        if (nl < 0) throw new Error("no header");
        const payload = bytes.subarray(nl + 1);
        if (bytes.toString("utf8", 0, nl) !== header(kind, digest, payload)) throw new Error("header mismatch");
        const value = JSON.parse(payload.toString("utf8")) as unknown;
        stats.hits++;
        return value;
      } catch {
        stats.misses++;
        return undefined;
      }
    },
    keep(kind, digest) {
      touched.add(nameOf(kind, digest));
    },
    put(kind, digest, value) {
      putJson(kind, digest, JSON.stringify(value));
    },
    putJson,
    async flush() {
      if (stats.writeError === undefined && pending.size > 0) {
        try {
          await mkdir(folder, { recursive: true });
          for (const [name, text] of pending) {
            const tmp = join(folder, `.${name}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
            try {
              await writeFile(tmp, text);
              await rename(tmp, join(folder, name));
              stats.written++;
            } catch (err) {
              await rm(tmp, { force: true }).catch(() => undefined);
              throw err;
            }
          }
        } catch (err) {
          stats.writeError = err instanceof Error ? err.message : String(err);
        }
      }
      pending.clear();
      if (stats.writeError !== undefined) return;
      // Keep the folder the size of the project: entries for documents that are gone or changed go.
      try {
        for (const name of await readdir(folder)) {
          if (ENTRY.test(name) && !touched.has(name)) await rm(join(folder, name), { force: true });
        }
      } catch {
        /* nothing to prune, or not ours to prune */
      }
    },
  };
}
