-- Team state for ferry on PostgreSQL: what `.ferry/` holds for one operator, shared by a team.
-- Applied by `ferry state migrate` (node-pg-migrate); ferry checks the version at start-up.

-- Up Migration

-- One row per run: the tail of its hash chain (appends lock this row, so they serialise per run
-- across every process that writes to the run), and who started it from where.
CREATE TABLE ferry_runs (
  run_id       text PRIMARY KEY CHECK (run_id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
  created_at   timestamptz NOT NULL DEFAULT now(),
  started_by   text NOT NULL,
  started_host text NOT NULL,
  last_seq     bigint NOT NULL DEFAULT 0,
  last_sum     text NOT NULL DEFAULT repeat('0', 64)
);

-- The journal: each record's line exactly as the file journal would hold it (canonical JSON
-- with its sha256 `sum`, chained by `prev`), and the fencing token of the lease it was written under.
CREATE TABLE ferry_records (
  run_id      text NOT NULL REFERENCES ferry_runs (run_id) ON DELETE CASCADE,
  seq         bigint NOT NULL CHECK (seq >= 1),
  line        text NOT NULL,
  lease_token bigint NOT NULL,
  written_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (run_id, seq)
);

-- Fencing tokens: strictly increasing across every lease ever taken.
CREATE SEQUENCE ferry_lease_tokens;

-- Leases: who may append to a run (scope '') or to one application of it (scope 'app:<id>',
-- a site runner), until when. A lease is renewed by its holder's heartbeat; once it has
-- expired anyone may take it over, with a new, larger token.
CREATE TABLE ferry_leases (
  run_id      text NOT NULL REFERENCES ferry_runs (run_id) ON DELETE CASCADE,
  scope       text NOT NULL DEFAULT '',
  token       bigint NOT NULL,
  owner       text NOT NULL,
  hostname    text NOT NULL,
  pid         integer NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  released    boolean NOT NULL DEFAULT false,
  PRIMARY KEY (run_id, scope)
);

-- Journal heads of finished runs, kept apart from the records (heads.ndjson of the file backend).
CREATE TABLE ferry_heads (
  id     bigserial PRIMARY KEY,
  run_id text NOT NULL,
  seq    bigint NOT NULL,
  sum    text NOT NULL,
  status text NOT NULL,
  at     text NOT NULL
);
CREATE INDEX ferry_heads_run ON ferry_heads (run_id, id);

-- When each plan was first made (plans.ndjson of the file backend).
CREATE TABLE ferry_plans_made (
  plan_hash text PRIMARY KEY,
  made_at   text NOT NULL,
  made_by   text NOT NULL DEFAULT ''
);

-- SSH host keys pinned by --accept-new, as known_hosts lines.
CREATE TABLE ferry_host_keys (
  line      text PRIMARY KEY,
  pinned_at timestamptz NOT NULL DEFAULT now(),
  pinned_by text NOT NULL DEFAULT ''
);

-- Append a batch of records to a run, in one transaction: lock the run's row, refuse unless
-- the caller's lease on `scope` is the current one (same token) and has not expired (by the
-- database's clock), refuse with the current tail if the chain moved on (another process
-- appended: the caller re-chains and retries), else insert and advance the tail.
CREATE FUNCTION ferry_append(p_run text, p_scope text, p_token bigint, p_first_seq bigint, p_prev text, p_lines text[], p_last_sum text)
RETURNS TABLE (outcome text, tail_seq bigint, tail_sum text, holder_token bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r ferry_runs%ROWTYPE;
  l ferry_leases%ROWTYPE;
BEGIN
  SELECT * INTO r FROM ferry_runs WHERE run_id = p_run FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no-run'::text, 0::bigint, ''::text, 0::bigint;
    RETURN;
  END IF;
  SELECT * INTO l FROM ferry_leases WHERE run_id = p_run AND scope = p_scope;
  IF NOT FOUND OR l.token <> p_token OR l.released OR l.expires_at <= clock_timestamp() THEN
    RETURN QUERY SELECT 'fenced'::text, r.last_seq, r.last_sum, COALESCE(l.token, 0);
    RETURN;
  END IF;
  IF r.last_seq <> p_first_seq - 1 OR r.last_sum <> p_prev THEN
    RETURN QUERY SELECT 'moved'::text, r.last_seq, r.last_sum, l.token;
    RETURN;
  END IF;
  INSERT INTO ferry_records (run_id, seq, line, lease_token)
    SELECT p_run, p_first_seq + i - 1, p_lines[i], p_token FROM generate_subscripts(p_lines, 1) AS i;
  UPDATE ferry_runs SET last_seq = p_first_seq + cardinality(p_lines) - 1, last_sum = p_last_sum WHERE run_id = p_run;
  RETURN QUERY SELECT 'ok'::text, p_first_seq + cardinality(p_lines) - 1, p_last_sum, l.token;
END
$$;

-- Down Migration

DROP FUNCTION ferry_append(text, text, bigint, bigint, text, text[], text);
DROP TABLE ferry_host_keys;
DROP TABLE ferry_plans_made;
DROP TABLE ferry_heads;
DROP TABLE ferry_leases;
DROP SEQUENCE ferry_lease_tokens;
DROP TABLE ferry_records;
DROP TABLE ferry_runs;
