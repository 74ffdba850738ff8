/**
 * Reading a big estate with worker threads (model/estate-pool.ts) when its files miss the cache:
 * when workers pay for themselves, and the reader that hands `loadProject` the estate files
 * in file order, each either checked already (from the cache, a worker, or the main thread while
 * it waited) or as text for the loader to parse and check as it always has.
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { isJsonExact, type DocumentCache } from "./cache.js";
import { cleanEstateData } from "./estate-document.js";
import { estateWorkerScript, startEstatePool, traceLoad, type EstateOutcome, type EstatePool, type EstatePoolStats } from "./estate-pool.js";
import type { EstateFile } from "./estate.js";
import { digestOfBytes, rereadText } from "./file-digest.js";

/**
 * Estate text that pays for worker threads, measured on a 2-core machine: a worker costs about
 * 140 ms of CPU to start (a thread, then js-yaml, yaml and zod loaded and compiled afresh in it),
 * and handing a file's checked data over as JSON about 25 ms per MB; parsing and checking costs
 * about 100-120 ms per MB. At 4.7 MB (10k applications) two workers cost 0.6 s more CPU and
 * saved no time on a shared machine; from about 8 MB a free second core saves more than that.
 */
export const WORKER_MIN_BYTES = 8 * 1024 * 1024;
export const WORKER_MIN_FILES = 2;
/**
 * Larger files are checked on the main thread, in their turn: a worker's heap is capped (model/
 * estate-pool.ts), and a 28 MB file ran one out of memory after seconds of work, which the main
 * thread then did again. The files `ferry example` writes are under 2 MB.
 */
export const WORKER_MAX_FILE_BYTES = 8 * 1024 * 1024;

/** How many workers to use for estate files that miss the cache, and whether any amount of text pays for them. */
export interface WorkerPolicy {
  max: number;
  anySize: boolean;
  script: URL | string;
}

/** The {@link WorkerPolicy} of a load: its options, else `FERRY_LOAD_WORKERS`, else one worker per core for big enough estates. */
export function workerPolicy(opts: { workers?: number; workerScript?: URL | string }, env: NodeJS.ProcessEnv = process.env): WorkerPolicy | undefined {
  const script = opts.workerScript ?? estateWorkerScript();
  if (!script) return undefined;
  const fromEnv = /^\s*(\d+)\s*$/.exec(env.FERRY_LOAD_WORKERS ?? "");
  if (opts.workers !== undefined) return opts.workers >= 1 ? { max: opts.workers, anySize: true, script } : undefined;
  if (fromEnv) return Number(fromEnv[1]) >= 1 ? { max: Number(fromEnv[1]), anySize: true, script } : undefined;
  // One worker per core; the main thread checks files too while it waits (EstatePool.take): on two
  // cores that measured faster than one worker beside it (4.6 s against 5.1-5.4 s for a cold load at
  // 100k applications, 5.8 s serial) for the same CPU. One core: a worker would only take turns with the main thread.
  const cores = availableParallelism();
  return cores >= 2 ? { max: cores, anySize: false, script } : undefined;
}

/** One estate file as the loader takes it: checked data ready (from the cache or a worker), or text to parse and check. */
export type EstateInput = { file: string; digest: string; reread: () => string } & ({ ready: Partial<EstateFile> } | { text: () => string });

/** What the parallel reader needs from the loader. */
export interface EstateReading {
  /** The project folder. */
  dir: string;
  /** The estate files, relative to `dir`, in the order they are loaded. */
  files: readonly string[];
  cache?: DocumentCache;
  /** The checked data of an unchanged file, from the cache. */
  cachedData(digest: string): EstateFile | undefined;
  /** A file's digest as read (again, when a worker died with its bytes: then the newer one counts). */
  record(file: string, digest: string): void;
  /** For the status line: a file is being read (next in order), or waited for at `index`. */
  progress(file: string, index?: number): void;
  onWorkers?: (stats: EstatePoolStats) => void;
}

/**
 * The estate files, with workers: every file is read and hashed first, each that misses the cache
 * goes to a worker as soon as the misses are worth it (so the workers start while the rest is still
 * being read), then the files are taken in order, each as its answer arrives. The pool is closed
 * however the loader stops reading.
 */
export async function* parallelEstate(reading: EstateReading, policy: WorkerPolicy): AsyncGenerator<EstateInput> {
  const { dir, cache } = reading;
  type Pending = { file: string; digest: string; ready?: EstateFile; bytes?: Buffer; outcome?: Promise<EstateOutcome>; settled?: boolean };
  const pending: Pending[] = [];
  const undispatched: Pending[] = [];
  let missBytes = 0;
  let pool: EstatePool | undefined;
  try {
    for (const [i, file] of reading.files.entries()) {
      reading.progress(file);
      const bytes = await readFile(join(dir, file));
      const digest = digestOfBytes(bytes);
      reading.record(file, digest);
      const ready = reading.cachedData(digest);
      if (ready) {
        pending.push({ file, digest, ready });
        continue;
      }
      const miss: Pending = { file, digest, bytes };
      pending.push(miss);
      if (bytes.length > WORKER_MAX_FILE_BYTES) continue;
      undispatched.push(miss);
      missBytes += bytes.length;
      if (!pool && undispatched.length >= WORKER_MIN_FILES && (policy.anySize || missBytes >= WORKER_MIN_BYTES)) {
        // Never more workers than files that could still need one.
        const size = Math.min(policy.max, undispatched.length + reading.files.length - 1 - i);
        traceLoad("%d estate files (%d bytes) missed the cache so far: starting %d workers", undispatched.length, missBytes, size);
        pool = startEstatePool(size, policy.script);
      }
      if (pool) {
        for (const p of undispatched.splice(0)) {
          p.outcome = pool.check(p.file, p.bytes!);
          void p.outcome.then(() => (p.settled = true));
          p.bytes = undefined;
        }
      }
    }
    for (const [k, p] of pending.entries()) {
      const reread = () => rereadText(join(dir, p.file), p.digest);
      if (p.ready) {
        const ready = p.ready;
        p.ready = undefined;
        yield { file: p.file, digest: p.digest, reread, ready };
        continue;
      }
      let bytes = p.bytes;
      p.bytes = undefined;
      if (p.outcome) {
        reading.progress(p.file, k);
        // While this file's answer is not in, check files still waiting for a worker here, from
        // the end of the queue (each answer arrives between two of them).
        while (!p.settled) {
          const task = pool!.take();
          if (!task) break;
          const data = cleanEstateData(task.file, task.bytes.toString("utf8"));
          task.settle(data ? { data } : { bytes: task.bytes });
          await new Promise<void>((next) => setImmediate(next));
        }
        const outcome = await p.outcome;
        p.outcome = undefined;
        if ("json" in outcome) {
          // The very payload the cache stores for a clean file: parsed once here, written as it is.
          const ready = (JSON.parse(outcome.json) as { parsed: EstateFile }).parsed;
          cache?.putJson("estate", p.digest, outcome.json);
          yield { file: p.file, digest: p.digest, reread, ready };
          continue;
        }
        if ("data" in outcome) {
          // Checked here while waiting: cached as a file checked in order would be.
          if (cache && isJsonExact(outcome.data)) cache.put("estate", p.digest, { parsed: outcome.data });
          yield { file: p.file, digest: p.digest, reread, ready: outcome.data };
          continue;
        }
        bytes = outcome.bytes;
        if (!bytes) {
          // Lost with a worker that died while checking it: read it again, and record the digest of what was read.
          bytes = await readFile(join(dir, p.file));
          p.digest = digestOfBytes(bytes);
          reading.record(p.file, p.digest);
        }
      }
      const text = bytes!;
      yield { file: p.file, digest: p.digest, reread, text: () => text.toString("utf8") };
    }
  } finally {
    if (pool) {
      await pool.close();
      reading.onWorkers?.({ ...pool.stats });
    }
  }
}
