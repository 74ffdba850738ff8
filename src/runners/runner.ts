/**
 * `ferry runner --site S`: a long-lived process inside a site's network that takes the site's
 * application jobs from the team's queue (graphile-worker) and runs each as a run of its own,
 * journalled in the team's state. It registers in `ferry_runners` and renews its registration
 * with a heartbeat; each heartbeat also releases jobs that dead runners had locked, so another
 * runner of their site takes them over. Prints nothing: the caller renders `onNotice`.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { hostname } from "node:os";
import { RunControl } from "../engine/run.js";
import type { RunsContext } from "../runs/context.js";
import { openPool } from "../state/postgres/connect.js";
import { checkSchema } from "../state/postgres/migrate.js";
import { jobRow, recordJob, taskFor, type AppJob } from "../state/postgres/queue.js";
import { heartbeat, registerRunner, releaseDeadRunnersJobs, stopRunner } from "../state/postgres/runners.js";
import { runAppJob } from "./job.js";

/** Something a runner did, for its log or terminal. */
export type RunnerNotice =
  | { type: "runner.started"; runner: string; site: string }
  | { type: "job.taken"; app: string; batch: string; attempt: number; continues?: string }
  | { type: "job.run"; app: string; run: string }
  | { type: "job.finished"; app: string; run?: string; status: string; message?: string }
  | { type: "job.retry"; app: string; message: string }
  | { type: "runner.released"; workers: string[] }
  | { type: "runner.heartbeat-failed"; message: string }
  | { type: "runner.stopped"; runner: string };

export interface RunnerOptions {
  url: string;
  site: string;
  /** The runs context: the project folder, and the team's state backend for the journals. */
  ctx: RunsContext;
  /** Applications run at once. @default 4 */
  concurrency?: number;
  /** How long a registration (and a dead runner's job) lives without a heartbeat. @default 30 s */
  leaseMs?: number;
  onNotice?: (n: RunnerNotice) => void;
}

export interface RunningRunner {
  runnerId: string;
  /** Stop taking jobs, interrupt running ones (journalled; the jobs go back to the queue), unregister. */
  stop(reason?: string): Promise<void>;
  /** Abort running steps too (a second signal). */
  abort(reason?: string): void;
  /** Settles when the runner has stopped. */
  done: Promise<void>;
}

function isAppJob(p: unknown): p is AppJob {
  const j = p as Partial<AppJob> | null;
  return !!j && typeof j.app === "string" && typeof j.site === "string" && typeof j.planFile === "string" && typeof j.planHash === "string" && typeof j.wave === "number" && typeof j.batch === "string" && typeof j.operator === "string";
}

export async function startRunner(opts: RunnerOptions): Promise<RunningRunner> {
  const concurrency = opts.concurrency ?? 4;
  const leaseMs = opts.leaseMs ?? 30_000;
  const notice = opts.onNotice ?? (() => undefined);
  const { pool, config } = await openPool(opts.url, { max: concurrency + 4 });
  const runnerId = `${opts.site}/${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
  const active = new Set<RunControl>();
  let timer: NodeJS.Timeout | undefined;
  try {
    await checkSchema(pool, config.location);
    await registerRunner(pool, { runnerId, site: opts.site, hostname: hostname(), pid: process.pid, owner: opts.ctx.operator }, leaseMs);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }

  const workerIds = new Set<string>();
  const events = new EventEmitter();
  events.on("worker:create", ({ worker }: { worker: { workerId: string } }) => void workerIds.add(worker.workerId));
  const beat = async () => {
    try {
      await heartbeat(pool, runnerId, leaseMs, [...workerIds]);
      const released = await releaseDeadRunnersJobs(pool, leaseMs);
      if (released.length) notice({ type: "runner.released", workers: released });
    } catch (err) {
      notice({ type: "runner.heartbeat-failed", message: err instanceof Error ? err.message : String(err) });
    }
  };

  const { run, Logger } = await import("graphile-worker");
  const worker = await run({
    pgPool: pool,
    concurrency,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: new Logger(() => () => undefined),
    events: events as never,
    taskList: {
      [taskFor(opts.site)]: async (payload, helpers) => {
        if (!isAppJob(payload) || payload.site !== opts.site) throw new Error(`not a ferry application job of site ${opts.site}: ${JSON.stringify(payload).slice(0, 200)}`);
        const job = payload;
        const key = helpers.job.key ?? "";
        const row = key ? await jobRow(pool, key) : undefined;
        notice({ type: "job.taken", app: job.app, batch: job.batch, attempt: helpers.job.attempts, ...(row?.runId ? { continues: row.runId } : {}) });
        const control = new RunControl();
        active.add(control);
        try {
          const outcome = await runAppJob(job, {
            ctx: opts.ctx,
            control,
            ...(row?.runId ? { knownRun: row.runId } : {}),
            takeoverWaitMs: leaseMs * 2 + 5_000,
            record: {
              run: async (runId) => {
                notice({ type: "job.run", app: job.app, run: runId });
                if (key) await recordJob(pool, key, { runId, runnerId, status: "running" });
              },
              finished: async (status, message) => {
                if (key) await recordJob(pool, key, { runnerId, status, ...(message ? { message } : {}) });
              },
            },
          });
          notice({ type: "job.finished", app: job.app, ...(outcome.runId ? { run: outcome.runId } : {}), status: outcome.status });
        } catch (err) {
          notice({ type: "job.retry", app: job.app, message: err instanceof Error ? err.message : String(err) });
          throw err;
        } finally {
          active.delete(control);
        }
      },
    },
  });
  await beat();
  timer = setInterval(() => void beat(), Math.max(200, Math.floor(leaseMs / 3)));
  notice({ type: "runner.started", runner: runnerId, site: opts.site });

  let stopping: Promise<void> | undefined;
  const stop = (reason = "SIGTERM") =>
    (stopping ??= (async () => {
      clearInterval(timer);
      timer = undefined;
      for (const c of active) c.interrupt(reason);
      await worker.stop().catch(() => undefined);
      await stopRunner(pool, runnerId).catch(() => undefined);
      await pool.end().catch(() => undefined);
      // The journals' backend too: its connections would keep the process alive until they idle
      // out. Bounded: a connection it cannot get back must not keep a stopping runner from exiting.
      if (opts.ctx.state) {
        let timer: NodeJS.Timeout | undefined;
        const closed = await Promise.race([
          opts.ctx.state.close().then(() => true, () => true),
          new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 5_000))),
        ]);
        clearTimeout(timer);
        if (!closed) notice({ type: "runner.heartbeat-failed", message: "the state backend did not close its connections within 5 s" });
      }
      notice({ type: "runner.stopped", runner: runnerId });
    })());
  const done = worker.promise.then(
    () => stop(),
    () => stop(),
  );
  return {
    runnerId,
    stop,
    abort: (reason = "SIGTERM") => {
      for (const c of active) {
        c.interrupt(reason);
        c.interrupt(reason);
      }
    },
    done,
  };
}
