/**
 * Open the PostgreSQL backend from a connection string: a pool (password file, PGPASSFILE,
 * PGSSLMODE, as connect.ts reads them), one round trip to prove the server answers, and the
 * schema version check. Loaded only through a dynamic import, so commands on a state folder
 * never load the database client.
 */
import { checkSchema } from "./migrate.js";
import { openPool, redactSecrets } from "./connect.js";
import { PostgresStateBackend, DEFAULT_LEASE_MS } from "./backend.js";

export interface OpenPostgresOptions {
  /** This machine's folder for run logs and dry runs (`<project>/.ferry`). */
  localDir: string;
  /** Lease length in ms. @default FERRY_LEASE_SECONDS × 1000, else 30 s */
  leaseMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
  /** Skip the schema check (`ferry state migrate` itself, tests that migrate first). @default false */
  skipSchemaCheck?: boolean;
}

/** The lease length FERRY_LEASE_SECONDS asks for, else the default. */
export function leaseMsFrom(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number(env.FERRY_LEASE_SECONDS);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : DEFAULT_LEASE_MS;
}

export async function openPostgresState(url: string, opts: OpenPostgresOptions): Promise<PostgresStateBackend> {
  // Idle connections do not hold a finished command open; a query in flight still does.
  const { pool, config } = await openPool(url, { allowExitOnIdle: true });
  try {
    if (!opts.skipSchemaCheck) await checkSchema(pool, config.location);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
  const password = typeof config.client.password === "string" ? config.client.password : undefined;
  return new PostgresStateBackend({
    pool,
    location: config.location,
    localDir: opts.localDir,
    leaseMs: opts.leaseMs ?? leaseMsFrom(opts.env ?? process.env),
    redact: (text) => redactSecrets(text, [password]),
  });
}
