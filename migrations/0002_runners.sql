-- Site runners (`ferry runner --site S`): each registers here and renews `expires_at` with a
-- heartbeat. A runner whose heartbeat stopped is dead: `ferry run --runners` reports a site with
-- no live runner instead of waiting for it, and a live runner of the same site releases the
-- queue jobs a dead one had locked (graphile-worker's forceUnlockWorkers), so they run again.
-- The job queue itself is graphile-worker's own schema (graphile_worker), migrated by
-- `ferry state migrate` after these files.

-- Up Migration

CREATE TABLE ferry_runners (
  runner_id    text PRIMARY KEY,
  site         text NOT NULL,
  hostname     text NOT NULL,
  pid          integer NOT NULL,
  owner        text NOT NULL,
  started_at   timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  expires_at   timestamptz NOT NULL,
  -- graphile-worker's ids of this runner's workers: the `locked_by` of the jobs it holds.
  worker_ids   text[] NOT NULL DEFAULT '{}',
  stopped_at   timestamptz
);
CREATE INDEX ferry_runners_site ON ferry_runners (site, expires_at);

-- Which run carries each queued application job (one job, one run of one application), so a
-- runner that takes over a dead one's job continues that run instead of starting another.
CREATE TABLE ferry_runner_jobs (
  job_key    text PRIMARY KEY,
  batch      text NOT NULL,
  app        text NOT NULL,
  site       text NOT NULL,
  run_id     text,
  runner_id  text,
  status     text NOT NULL DEFAULT 'queued',
  message    text,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ferry_runner_jobs_batch ON ferry_runner_jobs (batch);

-- Down Migration

DROP TABLE ferry_runner_jobs;
DROP TABLE ferry_runners;
