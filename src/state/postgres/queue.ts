/**
 * The site runners' job queue, on graphile-worker: one job per application of a wave, under the
 * task `ferry_app:<site>`, so a runner that registers only its own site's task takes only that
 * site's applications. graphile-worker takes jobs with `FOR UPDATE SKIP LOCKED`, deletes a job
 * when its handler returns, and retries one that throws with back-off.
 *
 * Beside each job, a row of `ferry_runner_jobs` (same job key) records which run carries it:
 * the job and its row are added in one transaction, so a wave is queued whole or not at all.
 */
import type pg from "pg";

/** The graphile-worker task of a site's application jobs. */
export function taskFor(site: string): string {
  return `ferry_app:${site}`;
}

/** Everything a runner needs to run one application of a wave. */
export interface AppJob {
  /** One `ferry run --runners` invocation: its applications share it. */
  batch: string;
  app: string;
  site: string;
  /** The plan file, relative to the project folder (the runner has the same project). */
  planFile: string;
  /** The plan the coordinator checked: a runner whose project gives another plan refuses. */
  planHash: string;
  wave: number;
  /** Who queued the wave: the run's operator in the journal. */
  operator: string;
  rehearsal?: boolean;
  emergency?: string;
  onFailure?: "rollback" | "pause";
  /**
   * Applications of the wave that share a host get one graphile-worker queue name, so their
   * jobs run one after the other (a run holds its hosts). Absent: the job runs when a runner is free.
   */
  serialGroup?: string;
}

/** How many times a job is handed out before it fails for good (a refusal, a runner crashing each time). */
export const MAX_ATTEMPTS = 10;

export function jobKey(job: Pick<AppJob, "batch" | "app">): string {
  return `ferry:${job.batch}:${job.app}`;
}

/** Queue every job in one transaction (all or none). A job key already queued is left as it is. */
export async function enqueueAppJobs(pool: pg.Pool, jobs: readonly AppJob[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    for (const job of jobs) {
      const key = jobKey(job);
      await client.query(`INSERT INTO ferry_runner_jobs (job_key, batch, app, site) VALUES ($1, $2, $3, $4) ON CONFLICT (job_key) DO NOTHING`, [key, job.batch, job.app, job.site]);
      await client.query(`SELECT graphile_worker.add_job($1, $2::json, queue_name => $5, max_attempts => $3, job_key => $4, job_key_mode => 'preserve_run_at')`, [
        taskFor(job.site),
        JSON.stringify(job),
        MAX_ATTEMPTS,
        key,
        job.serialGroup ?? null,
      ]);
    }
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** A queued application as the coordinator sees it. */
export interface BatchJob {
  jobKey: string;
  app: string;
  site: string;
  /** The run carrying it, once a runner started one. */
  runId?: string;
  runnerId?: string;
  /** What the runner last said: queued, running, finished, refused. */
  status: string;
  message?: string;
  /** Still in the queue (not finished by a runner). */
  inQueue: boolean;
  /** Locked by a runner's worker now. */
  lockedBy?: string;
  attempts: number;
  maxAttempts: number;
  lastError?: string;
}

/** Every job of a batch, with its queue state. One query. */
export async function batchJobs(pool: Pick<pg.Pool, "query">, batch: string): Promise<BatchJob[]> {
  const { rows } = await pool.query<{
    job_key: string;
    app: string;
    site: string;
    run_id: string | null;
    runner_id: string | null;
    status: string;
    message: string | null;
    queued: boolean;
    locked_by: string | null;
    attempts: number | null;
    max_attempts: number | null;
    last_error: string | null;
  }>(
    `SELECT r.job_key, r.app, r.site, r.run_id, r.runner_id, r.status, r.message, j.id IS NOT NULL AS queued, j.locked_by, j.attempts, j.max_attempts, j.last_error
       FROM ferry_runner_jobs r LEFT JOIN graphile_worker.jobs j ON j.key = r.job_key
      WHERE r.batch = $1 ORDER BY r.site, r.app`,
    [batch],
  );
  return rows.map((r) => ({
    jobKey: r.job_key,
    app: r.app,
    site: r.site,
    ...(r.run_id ? { runId: r.run_id } : {}),
    ...(r.runner_id ? { runnerId: r.runner_id } : {}),
    status: r.status,
    ...(r.message ? { message: r.message } : {}),
    inQueue: r.queued,
    ...(r.locked_by ? { lockedBy: r.locked_by } : {}),
    attempts: r.attempts ?? 0,
    maxAttempts: r.max_attempts ?? MAX_ATTEMPTS,
    ...(r.last_error ? { lastError: r.last_error } : {}),
  }));
}

/** The job row of a key: which run carries it, if any. */
export async function jobRow(pool: Pick<pg.Pool, "query">, key: string): Promise<{ runId?: string; status: string } | undefined> {
  const { rows } = await pool.query<{ run_id: string | null; status: string }>(`SELECT run_id, status FROM ferry_runner_jobs WHERE job_key = $1`, [key]);
  const r = rows[0];
  return r ? { ...(r.run_id ? { runId: r.run_id } : {}), status: r.status } : undefined;
}

/** Record what a runner did with a job: the run it started or continued, and how it stands. */
export async function recordJob(pool: Pick<pg.Pool, "query">, key: string, update: { runId?: string; runnerId: string; status: string; message?: string }): Promise<void> {
  await pool.query(
    `UPDATE ferry_runner_jobs SET run_id = COALESCE($2, run_id), runner_id = $3, status = $4, message = $5, updated_at = now() WHERE job_key = $1`,
    [key, update.runId ?? null, update.runnerId, update.status, update.message ?? null],
  );
}

/**
 * Take the batch's jobs no runner has started off the queue (a failure budget spent, or the
 * operator gave up on a site): graphile-worker completes (deletes) those still unlocked, and
 * they are marked `cancelled`. Returns their applications.
 */
export async function cancelQueuedJobs(pool: pg.Pool, batch: string, sites?: readonly string[]): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `SELECT j.id FROM graphile_worker.jobs j JOIN ferry_runner_jobs r ON j.key = r.job_key
      WHERE r.batch = $1 AND j.locked_at IS NULL AND r.run_id IS NULL AND ($2::text[] IS NULL OR r.site = ANY($2))`,
    [batch, sites ? [...sites] : null],
  );
  if (rows.length === 0) return [];
  const { makeWorkerUtils, Logger } = await import("graphile-worker");
  const utils = await makeWorkerUtils({ pgPool: pool, logger: new Logger(() => () => undefined) });
  try {
    const done = await utils.completeJobs(rows.map((r) => r.id));
    const keys = done.map((j) => j.key).filter((k): k is string => k !== null);
    const updated = await pool.query<{ app: string }>(`UPDATE ferry_runner_jobs SET status = 'cancelled', updated_at = now() WHERE job_key = ANY($1) RETURNING app`, [keys]);
    return updated.rows.map((r) => r.app).sort();
  } finally {
    await utils.release();
  }
}
