/**
 * Team state for tests: a fresh, migrated database on the file's PostgreSQL server, and the
 * backends the run lifecycle suites are parameterised over.
 */
import pg from "pg";
import type { PgServer } from "../harness/postgres.js";
import { openPostgresState } from "../../src/state/postgres/open.js";
import type { PostgresStateBackend } from "../../src/state/postgres/backend.js";
import { openPool } from "../../src/state/postgres/connect.js";
import { migrate as migrateSchema } from "../../src/state/postgres/migrate.js";

/** Apply migrations/ to `url`, as `ferry state migrate` does. */
export async function migrate(url: string): Promise<void> {
  const { pool, config } = await openPool(url);
  try {
    await migrateSchema(pool, config);
  } finally {
    await pool.end();
  }
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
export async function pgState(url: string, localDir: string, leaseMs?: number): Promise<PostgresStateBackend> {
  const b = await openPostgresState(url, { localDir, ...(leaseMs ? { leaseMs } : {}), env: {} });
  opened.push(b);
  return b;
}

export async function closeBackends(): Promise<void> {
  await Promise.all(opened.splice(0).map((b) => b.close()));
}

/**
 * Fresh migrated databases made fast: migrate one template once, then copy it per use
 * (`CREATE DATABASE … TEMPLATE`), for suites that need many.
 */
export async function databaseFactory(server: PgServer): Promise<() => Promise<string>> {
  const template = await migratedDatabase(server);
  const name = new URL(template).pathname.slice(1);
  let n = 0;
  return async () => {
    const db = `${name}_c${++n}`;
    const c = new pg.Client({ connectionString: server.url });
    await c.connect();
    try {
      await c.query(`CREATE DATABASE "${db}" TEMPLATE "${name}"`);
    } finally {
      await c.end();
    }
    const url = new URL(template);
    url.pathname = `/${db}`;
    return url.toString();
  };
}
