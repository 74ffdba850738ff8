/**
 * Fill in the listings `ferry status` keeps for finished runs (migrations/0003_run_summary.sql)
 * from the records of runs that finished before listings were kept, or whose listing is stale.
 * Each is made as the writer makes it, from the run's checked and folded records, and stored
 * only if the run's head has not moved since it was read. Runs whose records do not check or
 * fold are left without one: status reads their records and reports them.
 */
import type pg from "pg";
import { encodeListing, listingOf } from "../../engine/listing.js";
import { foldEvents } from "../../engine/state.js";
import { PostgresStateBackend } from "./backend.js";

const CHUNK = 200;

/** Returns how many listings were stored. */
export async function backfillRunListings(pool: pg.Pool, location: string): Promise<number> {
  const present = await pool.query<{ t: string | null }>("SELECT to_regclass('ferry_run_summaries')::text AS t");
  if (!present.rows[0]?.t) return 0;
  const missing = await pool.query<{ run_id: string }>(
    "SELECT u.run_id FROM ferry_runs u LEFT JOIN ferry_run_summaries s ON s.run_id = u.run_id AND s.seq = u.last_seq AND s.sum = u.last_sum WHERE s.run_id IS NULL AND u.last_seq > 0 ORDER BY u.run_id",
  );
  // The backend's reader checks every record's checksum and link; its pool is the caller's, not closed here.
  const reader = new PostgresStateBackend({ pool, location, localDir: "" });
  let stored = 0;
  const ids = missing.rows.map((r) => r.run_id);
  for (let i = 0; i < ids.length; i += CHUNK) {
    for (const [runId, contents] of await reader.readRuns(ids.slice(i, i + CHUNK))) {
      if (contents instanceof Error) continue;
      let listing: string;
      try {
        const s = foldEvents(contents.records.map((r) => r.event));
        if (!s.finished) continue;
        listing = encodeListing(listingOf(s));
      } catch {
        continue;
      }
      const res = await pool.query(
        `INSERT INTO ferry_run_summaries (run_id, seq, sum, listing) SELECT run_id, last_seq, last_sum, $4 FROM ferry_runs WHERE run_id = $1 AND last_seq = $2 AND last_sum = $3
         ON CONFLICT (run_id) DO UPDATE SET seq = EXCLUDED.seq, sum = EXCLUDED.sum, listing = EXCLUDED.listing`,
        [runId, contents.head.seq, contents.head.sum, listing],
      );
      stored += res.rowCount ?? 0;
    }
  }
  return stored;
}
