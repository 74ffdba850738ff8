/**
 * Team state for tests: a fresh, migrated database on the file's PostgreSQL server, and the
 * backends the run lifecycle suites are parameterised over.
 */
import { join } from "node:path";
import { runner } from "node-pg-migrate";
import type { PgServer } from "../harness/postgres.js";
import { openPostgresState } from "../../src/state/postgres/open.js";
import type { PostgresStateBackend } from "../../src/state/postgres/backend.js";

const MIGRATIONS = join(import.meta.dirname, "..", "..", "migrations");

/** Apply migrations/ to `url`. */
export async function migrate(url: string): Promise<void> {
  await runner({ databaseUrl: url, dir: MIGRATIONS, direction: "up", migrationsTable: "pgmigrations", log: () => undefined, checkOrder: true });
}

/** A fresh database with ferry's tables; returns its connection string. */
export async function migratedDatabase(server: PgServer): Promise<string> {
  const url = await server.createDatabase();
  await migrate(url);
  return url;
}

/** Backends opened by a test, closed by {@link closeBackends}. */
const opened: PostgresStateBackend[] = [];

/** The PostgreSQL backend over `url`, with this machine's files in `localDir`. */
export function pgState(url: string, localDir: string, leaseMs?: number): PostgresStateBackend {
  const b = openPostgresState(url, { localDir, ...(leaseMs ? { leaseMs } : {}), env: {} });
  opened.push(b);
  return b;
}

export async function closeBackends(): Promise<void> {
  await Promise.all(opened.splice(0).map((b) => b.close()));
}
