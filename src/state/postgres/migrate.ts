/**
 * The team-state schema: plain SQL files in the package's top-level `migrations/` folder
 * (`<number>_<name>.sql`, applied in number order), run by node-pg-migrate's programmatic
 * runner, which records each applied file in `ferry_migrations` and holds an advisory lock so
 * two operators migrating at once run one after the other. The files are not compiled, so the
 * same folder serves `src/` under vitest and `dist/` when installed.
 *
 * The schema version is the number of the newest applied file; this ferry needs the number of
 * the newest file it ships. {@link checkSchema} is the start-up check a backend calls before
 * it reads or writes anything: an older schema is refused with "run `ferry state migrate`", a
 * newer one (a newer ferry migrated it) with "upgrade ferry", so nobody writes rows in a shape
 * the other version does not expect.
 *
 * `ferry state migrate` also creates graphile-worker's own schema (`graphile_worker`), the job
 * queue of site runners, so one command prepares the whole database.
 */
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type pg from "pg";
import { FerryError } from "../../model/codes.js";
import { databaseError } from "./connect.js";
import type { StateDatabaseConfig } from "./connect.js";

/** The table node-pg-migrate keeps applied migrations in. */
export const MIGRATIONS_TABLE = "ferry_migrations";
/** Migration files: a number, an underscore, a name, `.sql`. Anything else in the folder is ignored. */
const MIGRATION_FILE = /^(\d+)_[A-Za-z0-9_-]+\.sql$/;

/**
 * The package's `migrations/` folder: beside the nearest `package.json` above this file (three
 * levels up in `src/` and in `dist/` alike; found by walking up, so a bundled copy works too).
 */
export function migrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (let d = here; ; d = dirname(d)) {
    if (existsSync(join(d, "package.json")) && existsSync(join(d, "migrations"))) return join(d, "migrations");
    if (dirname(d) === d) return join(here, "..", "..", "..", "migrations");
  }
}

export interface MigrationFile {
  /** The name node-pg-migrate records: the file name without `.sql`. */
  name: string;
  version: number;
}

/** The migration files this ferry ships, in order. */
export function shippedMigrations(dir = migrationsDir()): MigrationFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => MIGRATION_FILE.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ name: m[0].slice(0, -".sql".length), version: Number(m[1]) }))
    .sort((a, b) => a.version - b.version);
}

/** The schema version this ferry needs: the number of its newest migration (0: none). */
export function requiredVersion(dir = migrationsDir()): number {
  const files = shippedMigrations(dir);
  return files.length ? files[files.length - 1]!.version : 0;
}

export interface SchemaStatus {
  /** Number of the newest applied migration (0: the schema was never created). */
  current: number;
  /** What this ferry needs. */
  required: number;
  applied: { name: string; runOn: string }[];
  /** Shipped migrations not yet applied. */
  pending: string[];
  /** Applied migrations this ferry does not ship (a newer ferry's). */
  unknown: string[];
  /** Whether graphile-worker's queue schema exists (site runners need it). */
  queue: boolean;
}

type Queryable = Pick<pg.Pool, "query">;

/** Read the schema's state. One round trip. */
export async function schemaStatus(db: Queryable, dir = migrationsDir()): Promise<SchemaStatus> {
  const shipped = shippedMigrations(dir);
  const { rows } = await db.query<{ has_table: boolean; has_queue: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS has_table, to_regnamespace('graphile_worker') IS NOT NULL AS has_queue`,
    [`public.${MIGRATIONS_TABLE}`],
  );
  const applied = rows[0]!.has_table ? (await db.query<{ name: string; run_on: Date }>(`SELECT name, run_on FROM public.${MIGRATIONS_TABLE} ORDER BY id`)).rows : [];
  const appliedNames = new Set(applied.map((r) => r.name));
  const shippedNames = new Set(shipped.map((m) => m.name));
  const versionOf = (name: string) => Number(/^(\d+)/.exec(name)?.[1] ?? 0);
  return {
    current: applied.reduce((max, r) => Math.max(max, versionOf(r.name)), 0),
    required: shipped.length ? shipped[shipped.length - 1]!.version : 0,
    applied: applied.map((r) => ({ name: r.name, runOn: new Date(r.run_on).toISOString() })),
    pending: shipped.filter((m) => !appliedNames.has(m.name)).map((m) => m.name),
    unknown: applied.filter((r) => !shippedNames.has(r.name)).map((r) => r.name),
    queue: rows[0]!.has_queue,
  };
}

/**
 * The start-up check: resolves when the database's schema is exactly what this ferry needs,
 * else throws `state-schema-outdated` or `state-schema-newer` naming both versions.
 */
export async function checkSchema(db: Queryable, location: string, dir = migrationsDir()): Promise<SchemaStatus> {
  const status = await schemaStatus(db, dir);
  if (status.unknown.length > 0 || status.current > status.required)
    throw new FerryError(
      "state-schema-newer",
      `The state database ${location} has schema version ${status.current}, newer than this ferry knows (${status.required}; unknown migrations: ${status.unknown.join(", ") || "none"}).`,
      "A newer ferry migrated it: upgrade ferry on this machine to the team's version.",
    );
  if (status.pending.length > 0)
    throw new FerryError(
      "state-schema-outdated",
      status.current === 0 && status.applied.length === 0
        ? `The state database ${location} has no ferry schema yet (ferry needs version ${status.required}).`
        : `The state database ${location} has schema version ${status.current}, ferry needs ${status.required} (not applied: ${status.pending.join(", ")}).`,
      `Run \`ferry state migrate --state ${location}\` (with a role that may create tables), then retry.`,
    );
  return status;
}

export interface MigrateResult {
  /** Migrations applied now, in order. */
  applied: string[];
  before: number;
  after: number;
  /** Whether graphile-worker's queue schema was created or brought up to date. */
  queue: boolean;
  /** Finished runs whose `ferry status` listing was made from their records now (runs from before listings were kept). */
  listed: number;
}

/**
 * Apply every pending migration in one transaction (all or none), then graphile-worker's.
 * Waits while another process migrates. Throws `state-migrate-failed` naming the migration.
 */
export async function migrate(pool: pg.Pool, config: StateDatabaseConfig, dir = migrationsDir()): Promise<MigrateResult> {
  const before = await schemaStatus(pool, dir).catch((err: unknown) => {
    throw databaseError(err, config, "reading the schema of");
  });
  if (before.unknown.length > 0) await checkSchema(pool, config.location, dir);
  const { runner } = await import("node-pg-migrate");
  const client = await pool.connect().catch((err: unknown) => {
    throw databaseError(err, config);
  });
  const messages: string[] = [];
  const note = (msg: string) => void messages.push(msg);
  let ran: { name: string }[];
  try {
    ran = await runner({
      dbClient: client,
      dir,
      ignorePattern: "(?!\\d+_[A-Za-z0-9_-]+\\.sql$).*",
      migrationsTable: MIGRATIONS_TABLE,
      migrationsSchema: "public",
      direction: "up",
      singleTransaction: true,
      checkOrder: true,
      advisoryLockMode: "wait",
      logger: { debug: note, info: note, warn: note, error: note },
    });
  } catch (err) {
    const which = before.pending.find((name) => messages.some((m) => m.includes(name))) ?? before.pending[0] ?? "the migrations table";
    const message = err instanceof Error ? err.message : String(err);
    if (/ECONN|terminat|timeout/i.test(message)) throw databaseError(err, config, "migrating");
    throw new FerryError(
      "state-migrate-failed",
      `Migrating the state database ${config.location} failed at ${which}: ${message}`,
      "Nothing of the pending migrations was kept (one transaction). Check that the role owns the schema (GRANT CREATE ON SCHEMA public), then retry.",
      { cause: err },
    );
  } finally {
    client.release();
  }
  await migrateQueue(pool, config);
  const after = await schemaStatus(pool, dir);
  // Loaded here only: it folds runs, which the schema check at every start does not need.
  const { backfillRunListings } = await import("./listings.js");
  const listed = await backfillRunListings(pool, config.location).catch((err: unknown) => {
    throw databaseError(err, config, "filling in run listings of");
  });
  return { applied: ran.map((m) => m.name), before: before.current, after: after.current, queue: after.queue, listed };
}

/** graphile-worker's own migrations (its `graphile_worker` schema): idempotent, under its own lock. */
export async function migrateQueue(pool: pg.Pool, config: StateDatabaseConfig): Promise<void> {
  const { runMigrations, Logger } = await import("graphile-worker");
  try {
    await runMigrations({ pgPool: pool, logger: new Logger(() => () => undefined) });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/ECONN|terminat|timeout/i.test(message)) throw databaseError(err, config, "migrating the job queue of");
    throw new FerryError("state-migrate-failed", `Creating the site runners' job queue (schema graphile_worker) in ${config.location} failed: ${message}`, "The role needs CREATE on the database (GRANT CREATE ON DATABASE …); then retry `ferry state migrate`.", { cause: err });
  }
}
