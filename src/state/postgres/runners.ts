/**
 * Site runners' registrations and heartbeats (`ferry_runners`). A runner is live while its
 * `expires_at`, renewed by each heartbeat, is ahead of the database's clock; one clock for every
 * machine, so runners at different sites never disagree about who is alive.
 *
 * When a runner dies (kill -9, a lost machine, a partition), the queue jobs its workers had
 * locked stay locked: graphile-worker itself would only release them hours later. A live
 * runner's heartbeat therefore releases jobs locked by workers no live runner owns, once they
 * have been locked longer than a lease (so a runner that has just started, and not yet recorded
 * its workers, is never taken for dead), with graphile-worker's `forceUnlockWorkers`. The run
 * such a job carries has a lease of its own in the state backend, which expires the same way,
 * so the runner that takes the job over continues the run as `ferry resume` would.
 */
import type pg from "pg";

export interface RunnerRegistration {
  runnerId: string;
  site: string;
  hostname: string;
  pid: number;
  owner: string;
}

export interface RunnerInfo extends RunnerRegistration {
  startedAt: string;
  heartbeatAt: string;
  expiresAt: string;
  live: boolean;
  stopped: boolean;
}

type Queryable = Pick<pg.Pool, "query">;

/** Register (or re-register) a runner, live for `leaseMs`. */
export async function registerRunner(db: Queryable, r: RunnerRegistration, leaseMs: number): Promise<void> {
  await db.query(
    `INSERT INTO ferry_runners (runner_id, site, hostname, pid, owner, expires_at)
     VALUES ($1, $2, $3, $4, $5, clock_timestamp() + make_interval(secs => $6::double precision / 1000))
     ON CONFLICT (runner_id) DO UPDATE SET heartbeat_at = clock_timestamp(), expires_at = EXCLUDED.expires_at, stopped_at = NULL`,
    [r.runnerId, r.site, r.hostname, r.pid, r.owner, leaseMs],
  );
}

/** Renew a runner's registration and record its workers' ids. False when it was removed or stopped. */
export async function heartbeat(db: Queryable, runnerId: string, leaseMs: number, workerIds: readonly string[]): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE ferry_runners SET heartbeat_at = clock_timestamp(), expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000), worker_ids = $3
      WHERE runner_id = $1 AND stopped_at IS NULL`,
    [runnerId, leaseMs, [...workerIds]],
  );
  return (rowCount ?? 0) > 0;
}

/** A runner that stops cleanly says so: it is not live, and nobody waits for its heartbeat. */
export async function stopRunner(db: Queryable, runnerId: string): Promise<void> {
  await db.query(`UPDATE ferry_runners SET stopped_at = clock_timestamp(), expires_at = clock_timestamp() WHERE runner_id = $1`, [runnerId]);
}

/** Every registered runner (of `sites`, or all), live ones first, with liveness by the database's clock. */
export async function listRunners(db: Queryable, sites?: readonly string[]): Promise<RunnerInfo[]> {
  const { rows } = await db.query<{
    runner_id: string;
    site: string;
    hostname: string;
    pid: number;
    owner: string;
    started_at: Date;
    heartbeat_at: Date;
    expires_at: Date;
    live: boolean;
    stopped: boolean;
  }>(
    `SELECT runner_id, site, hostname, pid, owner, started_at, heartbeat_at, expires_at,
            expires_at > clock_timestamp() AND stopped_at IS NULL AS live, stopped_at IS NOT NULL AS stopped
       FROM ferry_runners WHERE $1::text[] IS NULL OR site = ANY($1)
      ORDER BY live DESC, site, heartbeat_at DESC`,
    [sites ? [...sites] : null],
  );
  return rows.map((r) => ({
    runnerId: r.runner_id,
    site: r.site,
    hostname: r.hostname,
    pid: r.pid,
    owner: r.owner,
    startedAt: r.started_at.toISOString(),
    heartbeatAt: r.heartbeat_at.toISOString(),
    expiresAt: r.expires_at.toISOString(),
    live: r.live,
    stopped: r.stopped,
  }));
}

/** Sites among `sites` with no live runner. */
export async function sitesWithoutRunners(db: Queryable, sites: readonly string[]): Promise<string[]> {
  const live = new Set((await listRunners(db, sites)).filter((r) => r.live).map((r) => r.site));
  return [...new Set(sites)].filter((s) => !live.has(s)).sort();
}

/**
 * Release ferry jobs locked by workers that belong to no live runner and have held them longer
 * than `graceMs`. Returns the worker ids released.
 */
export async function releaseDeadRunnersJobs(pool: pg.Pool, graceMs: number): Promise<string[]> {
  const { rows } = await pool.query<{ locked_by: string }>(
    `SELECT DISTINCT j.locked_by FROM graphile_worker.jobs j
      WHERE j.task_identifier LIKE 'ferry_app:%' AND j.locked_by IS NOT NULL
        AND j.locked_at < now() - make_interval(secs => $1::double precision / 1000)
        AND NOT EXISTS (SELECT 1 FROM ferry_runners r WHERE j.locked_by = ANY(r.worker_ids) AND r.expires_at > clock_timestamp() AND r.stopped_at IS NULL)`,
    [graceMs],
  );
  const dead = rows.map((r) => r.locked_by);
  if (dead.length === 0) return [];
  const { makeWorkerUtils, Logger } = await import("graphile-worker");
  const utils = await makeWorkerUtils({ pgPool: pool, logger: new Logger(() => () => undefined) });
  try {
    await utils.forceUnlockWorkers(dead);
  } finally {
    await utils.release();
  }
  return dead;
}
