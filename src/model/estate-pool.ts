/**
 * Worker threads that parse and schema-check estate files for {@link loadProject} when a big
 * estate is loaded without the cache: each file is independent, and js-yaml plus the garbage it
 * makes is most of a cold load, so two cores check two files at a time.
 *
 * A small pool written for this job rather than a library such as piscina: the work is one batch
 * of files per process, known as the files are read, and the pool is closed as soon as the batch
 * is done. What this needs and a general pool does not give for free is the failure rule: a worker
 * that cannot start, crashes or runs out of memory must never fail the load, its files go back to
 * the main thread, which loads them as it always did. That is a few lines here; a general pool's
 * long-lived threads, idle timeouts and task cancellation are not needed.
 *
 * The pool never rejects: every `check` settles with the file's JSON payload, or with the bytes to
 * load on the main thread, or, when a worker died holding them, without bytes (read the file again).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { debuglog } from "node:util";
import { Worker, type ResourceLimits } from "node:worker_threads";
import type { EstateFile } from "./estate.js";
import type { EstateAnswer, EstateTask } from "./estate-worker.js";

/** `NODE_DEBUG=ferry-load` prints what the pool did on stderr (tests use it to see the workers were used). */
export const traceLoad = debuglog("ferry-load");

/**
 * A file's outcome: from a worker, the cache payload `{"parsed":…}` as JSON text; from the caller
 * that took the file off the queue ({@link EstatePool.take}), the checked data itself; or the file
 * to load on the main thread (its bytes, unless a crashed worker took them).
 */
export type EstateOutcome = { json: string } | { data: EstateFile } | { bytes?: Buffer };

export interface EstatePoolStats {
  /** Workers asked for. */
  workers: number;
  /** Files a worker checked and found clean. */
  clean: number;
  /** Files the caller took off the queue to check itself while it waited ({@link EstatePool.take}). */
  taken: number;
  /** Files handed back to the main thread: a problem in them, a worker gone, or no worker at all. */
  handedBack: number;
  /** Of those, files whose bytes were lost with a worker that died while checking them. */
  lost: number;
  /** Workers that could not start, crashed or exited. */
  failed: number;
}

export interface EstatePool {
  /** Check one estate file; `bytes` are moved to the worker (do not use them afterwards). */
  check(file: string, bytes: Buffer): Promise<EstateOutcome>;
  /**
   * The last file still waiting for a worker, for the caller to check itself and settle: the main
   * thread works too while it waits, from the far end of the queue, so the files it waits for in
   * order stay with the workers. Undefined when no more files wait than there are workers to take them.
   */
  take(): { file: string; bytes: Buffer; settle: (outcome: EstateOutcome) => void } | undefined;
  /** Stop every worker; files still waiting are handed back. Safe to call twice. */
  close(): Promise<void>;
  readonly stats: EstatePoolStats;
}

/**
 * The worker entry next to this module when it exists as JavaScript: it does in dist/, not when
 * the source runs directly (tsx, vitest), where loading is serial instead.
 */
export function estateWorkerScript(): URL | undefined {
  const url = new URL("./estate-worker.js", import.meta.url);
  try {
    return url.protocol === "file:" && existsSync(fileURLToPath(url)) ? url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A worker's heap is capped: a 1.75 MB estate file needs a few tens of MB, and the workers' heaps
 * count in the process's memory beside the main thread's. A file that needs more (towards the
 * 32 MiB document limit) runs the worker out of memory, which ends only that worker, and the main
 * thread, with its larger heap, loads the file.
 */
const RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 384 };

interface Task {
  id: number;
  file: string;
  bytes: Buffer | undefined;
  settle: (outcome: EstateOutcome) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  gone: boolean;
  task: Task | undefined;
}

/** Start `size` workers running `script` (default: the built estate worker). */
export function startEstatePool(size: number, script: URL | string): EstatePool {
  const stats: EstatePoolStats = { workers: size, clean: 0, taken: 0, handedBack: 0, lost: 0, failed: 0 };
  const queue: Task[] = [];
  const threads: Thread[] = [];
  let nextId = 0;
  let closed = false;

  const handBack = (task: Task, bytes: Buffer | undefined) => {
    stats.handedBack++;
    if (!bytes) stats.lost++;
    task.settle({ ...(bytes ? { bytes } : {}) });
  };

  const pump = () => {
    for (const thread of threads) {
      if (!thread.ready || thread.gone || thread.task) continue;
      const task = queue.shift();
      if (!task) return;
      thread.task = task;
      const bytes = transferable(task.bytes!);
      task.bytes = undefined;
      thread.worker.postMessage({ id: task.id, file: task.file, bytes } satisfies EstateTask, [bytes.buffer as ArrayBuffer]);
    }
    // No worker left: the files still waiting are loaded on the main thread, with their bytes.
    if (threads.every((t) => t.gone)) for (const task of queue.splice(0)) handBack(task, task.bytes);
  };

  const lose = (thread: Thread, why: string) => {
    if (thread.gone) return;
    thread.gone = true;
    stats.failed++;
    traceLoad("estate worker stopped (%s); its files are loaded on the main thread", why);
    const task = thread.task;
    thread.task = undefined;
    if (task) handBack(task, undefined);
    thread.worker.terminate().catch(() => undefined);
    pump();
  };

  for (let i = 0; i < size; i++) {
    let worker: Worker;
    try {
      // No inherited execArgv: the main thread's node flags (`--input-type`, `--max-old-space-size`) are not a worker's.
      worker = new Worker(script, { resourceLimits: RESOURCE_LIMITS, execArgv: [] });
    } catch (err) {
      stats.failed++;
      traceLoad("estate worker did not start (%s)", err instanceof Error ? err.message : String(err));
      continue;
    }
    const thread: Thread = { worker, ready: false, gone: false, task: undefined };
    threads.push(thread);
    worker.on("message", (answer: EstateAnswer) => {
      if ("ready" in answer) {
        thread.ready = true;
        pump();
        return;
      }
      const task = thread.task;
      if (!task || task.id !== answer.id) return;
      thread.task = undefined;
      if ("json" in answer) {
        stats.clean++;
        task.settle({ json: answer.json });
      } else {
        handBack(task, Buffer.from(answer.bytes.buffer, answer.bytes.byteOffset, answer.bytes.byteLength));
      }
      pump();
    });
    worker.on("error", (err) => lose(thread, err.message));
    worker.on("messageerror", (err) => lose(thread, err.message));
    worker.on("exit", (code) => lose(thread, `exit code ${code}`));
  }

  return {
    stats,
    check(file, bytes) {
      return new Promise<EstateOutcome>((settle) => {
        const task: Task = { id: nextId++, file, bytes, settle };
        if (closed) return handBack(task, bytes);
        queue.push(task);
        pump();
      });
    },
    take() {
      if (queue.length <= threads.filter((t) => !t.gone).length) return undefined;
      const task = queue.pop()!;
      stats.taken++;
      return { file: task.file, bytes: task.bytes!, settle: task.settle };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const task of queue.splice(0)) handBack(task, task.bytes);
      const stopping: Promise<unknown>[] = [];
      for (const thread of threads) {
        if (thread.task) handBack(thread.task, undefined);
        thread.task = undefined;
        if (!thread.gone) {
          thread.gone = true;
          stopping.push(thread.worker.terminate().catch(() => undefined));
        }
      }
      await Promise.all(stopping);
      traceLoad(
        "estate pool closed: %d workers, %d files clean in a worker, %d taken by the main thread, %d handed back (%d lost with a worker), %d workers failed",
        stats.workers,
        stats.clean,
        stats.taken,
        stats.handedBack,
        stats.lost,
        stats.failed,
      );
    },
  };
}

/** `bytes` as a view of an ArrayBuffer of its own, which can be moved to a worker without a copy. */
function transferable(bytes: Buffer): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}
