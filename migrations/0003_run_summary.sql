-- What `ferry status` lists of each finished run, kept so the list of a team's runs reads one row
-- per run instead of every record of every run. A cache of the records: the writer keeps it in
-- the transaction of the batch that finishes the run, tagged with the journal's head after that
-- batch; a listing whose head is not the run's head (the run went on, or the row was changed) is
-- ignored and the records are read. Nothing that acts (resume, rollback, the earlier-run check)
-- reads it. `ferry state migrate` fills it in for runs that finished before it existed.

-- Up Migration

CREATE TABLE ferry_run_summaries (
  run_id  text PRIMARY KEY REFERENCES ferry_runs (run_id) ON DELETE CASCADE,
  seq     bigint NOT NULL,
  sum     text NOT NULL,
  listing text NOT NULL
);

DROP FUNCTION ferry_append(text, text, bigint, bigint, text, text[], text);

-- ferry_append of 0001_state.sql, and with `p_summary` the run's listing after this batch, kept
-- in the same transaction, tagged with the new tail.
CREATE FUNCTION ferry_append(p_run text, p_scope text, p_token bigint, p_first_seq bigint, p_prev text, p_lines text[], p_last_sum text, p_summary text DEFAULT NULL)
RETURNS TABLE (outcome text, tail_seq bigint, tail_sum text, holder_token bigint)
LANGUAGE plpgsql AS $$
DECLARE
  r ferry_runs%ROWTYPE;
  l ferry_leases%ROWTYPE;
  v_last bigint := p_first_seq + cardinality(p_lines) - 1;
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
  UPDATE ferry_runs SET last_seq = v_last, last_sum = p_last_sum WHERE run_id = p_run;
  IF p_summary IS NOT NULL THEN
    INSERT INTO ferry_run_summaries (run_id, seq, sum, listing) VALUES (p_run, v_last, p_last_sum, p_summary)
      ON CONFLICT (run_id) DO UPDATE SET seq = EXCLUDED.seq, sum = EXCLUDED.sum, listing = EXCLUDED.listing;
  END IF;
  RETURN QUERY SELECT 'ok'::text, v_last, p_last_sum, l.token;
END
$$;

-- Down Migration

DROP FUNCTION ferry_append(text, text, bigint, bigint, text, text[], text, text);
DROP TABLE ferry_run_summaries;
