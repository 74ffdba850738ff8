/**
 * Open the PostgreSQL backend from a connection string. Loaded only through a dynamic import,
 * so commands on a state folder never load the database client.
 */
import pg from "pg";
import { PostgresStateBackend, DEFAULT_LEASE_MS } from "./backend.js";
import { withoutPasswords } from "./errors.js";

export interface OpenPostgresOptions {
  /** This machine's folder for run logs and dry runs (`<project>/.ferry`). */
  localDir: string;
  /** Lease length in ms. @default FERRY_LEASE_SECONDS × 1000, else 30 s */
  leaseMs?: number;
  env?: Readonly<Record<string, string | undefined>>;
}

/** The lease length FERRY_LEASE_SECONDS asks for, else the default. */
export function leaseMsFrom(env: Readonly<Record<string, string | undefined>>): number {
  const s = Number(env.FERRY_LEASE_SECONDS);
  return Number.isFinite(s) && s > 0 ? Math.round(s * 1000) : DEFAULT_LEASE_MS;
}

export function openPostgresState(url: string, opts: OpenPostgresOptions): PostgresStateBackend {
  // allowExitOnIdle: a command that is done exits without closing the pool by hand.
  const pool = new pg.Pool({ connectionString: url, max: 8, allowExitOnIdle: true, connectionTimeoutMillis: 10_000, keepAlive: true });
  // An idle client's connection dropping (a server restart) must not crash the process.
  pool.on("error", () => undefined);
  return new PostgresStateBackend({ pool, location: withoutPasswords(url), localDir: opts.localDir, leaseMs: opts.leaseMs ?? leaseMsFrom(opts.env ?? process.env) });
}
