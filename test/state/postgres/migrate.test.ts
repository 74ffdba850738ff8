import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferry } from "../../helpers/cli.js";
import { postgresMissingReason, usePostgres } from "../../harness/postgres.js";
import { FerryError } from "../../../src/model/codes.js";
import { openPool } from "../../../src/state/postgres/connect.js";
import { checkSchema, migrate, migrationsDir, requiredVersion, schemaStatus } from "../../../src/state/postgres/migrate.js";

async function rejection(p: Promise<unknown>): Promise<FerryError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FerryError) return err;
    throw err;
  }
  throw new Error("expected a FerryError");
}

function migrations(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "ferry-migrations-"));
  for (const [name, sql] of Object.entries(files)) writeFileSync(join(dir, name), sql);
  return dir;
}

const ONE = "-- Up Migration\nCREATE TABLE probe_one (id int PRIMARY KEY);\n";
const TWO = "-- Up Migration\nCREATE TABLE probe_two (id int PRIMARY KEY);\n";

describe.skipIf(postgresMissingReason())("the team database: connecting and migrating", () => {
  const pgs = usePostgres();

  it("connects, and says clearly when the password, the database or the server is wrong, never printing the password", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    const { pool } = await openPool(url);
    expect((await pool.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    await pool.end();

    const wrongPw = await rejection(openPool(url.replace(`:${s.password}@`, ":wrong-pass-77@")));
    expect(wrongPw.code).toBe("state-auth-failed");
    expect(wrongPw.message + wrongPw.hint).not.toContain("wrong-pass-77");
    expect(wrongPw.message).toContain(":***@127.0.0.1");

    const noPw = await rejection(openPool(url.replace(`:${s.password}@`, "@"), {}));
    expect(noPw.code).toBe("state-auth-failed");
    expect(noPw.hint).toMatch(/password file/);

    const noDb = await rejection(openPool(url.replace(/\/[^/]+$/, "/no_such_db")));
    expect(noDb.code).toBe("state-unreachable");
    expect(noDb.hint).toMatch(/createdb/);
    expect(noDb.message).not.toContain(s.password);

    const closed = await rejection(openPool(`postgres://ferry_test:${s.password}@127.0.0.1:1/x`));
    expect(closed.code).toBe("state-unreachable");
    expect(closed.message).not.toContain(s.password);
  });

  it("gives up on a frozen server after the connect timeout instead of waiting for ever", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    s.pause();
    try {
      const started = Date.now();
      const err = await rejection(openPool(url, { connectTimeoutMs: 500 }));
      expect(err.code).toBe("state-unreachable");
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      s.resume();
    }
  });

  it("applies pending migrations in order, records them, and checks the version at start", async () => {
    const url = await pgs.server.createDatabase();
    const { pool, config } = await openPool(url);
    try {
      const dir = migrations({ "0001_one.sql": ONE, "0002_two.sql": TWO, "README.md": "not a migration" });
      const fresh = await rejection(checkSchema(pool, config.location, dir));
      expect(fresh.code).toBe("state-schema-outdated");
      expect(fresh.message).toMatch(/no ferry schema yet \(ferry needs version 2\)/);
      expect(fresh.hint).toMatch(/ferry state migrate/);

      const result = await migrate(pool, config, dir);
      expect(result).toMatchObject({ applied: ["0001_one", "0002_two"], before: 0, after: 2, queue: true });
      expect((await checkSchema(pool, config.location, dir)).current).toBe(2);
      expect((await migrate(pool, config, dir)).applied).toEqual([]);

      // A newer ferry ships 0003: this database is behind it.
      writeFileSync(join(dir, "0003_three.sql"), "-- Up Migration\nCREATE TABLE probe_three (id int);\n");
      const behind = await rejection(checkSchema(pool, config.location, dir));
      expect(behind.code).toBe("state-schema-outdated");
      expect(behind.message).toMatch(/schema version 2, ferry needs 3 \(not applied: 0003_three\)/);
      await migrate(pool, config, dir);

      // An older ferry (shipping only 0001 and 0002) meets the migrated database.
      const older = migrations({ "0001_one.sql": ONE, "0002_two.sql": TWO });
      const ahead = await rejection(checkSchema(pool, config.location, older));
      expect(ahead.code).toBe("state-schema-newer");
      expect(ahead.message).toMatch(/schema version 3, newer than this ferry knows \(2/);
    } finally {
      await pool.end();
    }
  });

  it("keeps nothing of a failing batch of migrations", async () => {
    const url = await pgs.server.createDatabase();
    const { pool, config } = await openPool(url);
    try {
      const dir = migrations({ "0001_one.sql": ONE, "0002_bad.sql": "-- Up Migration\nCREATE TABLE probe_one (id int);\n" });
      const err = await rejection(migrate(pool, config, dir));
      expect(err.code).toBe("state-migrate-failed");
      expect(err.message).toMatch(/already exists/);
      const status = await schemaStatus(pool, dir);
      expect(status.applied).toEqual([]);
      expect((await pool.query("SELECT to_regclass('probe_one') AS t")).rows[0].t).toBeNull();
    } finally {
      await pool.end();
    }
  });

  it("lets two operators migrate at once: one waits for the other, both succeed, each migration once", async () => {
    const url = await pgs.server.createDatabase();
    const dir = migrations({ "0001_one.sql": ONE, "0002_two.sql": "-- Up Migration\nSELECT pg_sleep(0.3);\nCREATE TABLE probe_two (id int);\n" });
    const a = await openPool(url);
    const b = await openPool(url);
    try {
      const [ra, rb] = await Promise.all([migrate(a.pool, a.config, dir), migrate(b.pool, b.config, dir)]);
      expect([...ra.applied, ...rb.applied].sort()).toEqual(["0001_one", "0002_two"]);
      expect((await schemaStatus(a.pool, dir)).applied.map((m) => m.name)).toEqual(["0001_one", "0002_two"]);
    } finally {
      await a.pool.end();
      await b.pool.end();
    }
  });

  it("`ferry state migrate` and `ferry state status` work as a user types them, FERRY_STATE or --state, without printing the password", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    const before = ferry(["state", "status", "--json"], { env: { FERRY_STATE: url } });
    const required = requiredVersion(migrationsDir());
    if (required > 0) {
      expect(before.code).toBe(2);
      expect(JSON.parse(before.stdout)).toMatchObject({ ok: false, code: "state-schema-outdated", current: 0, required });
    }
    const run = ferry(["state", "migrate", "--state", url, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ ok: true, after: required, queue: true });
    expect(out.database).toContain(":***@");
    const text = ferry(["state", "status"], { env: { FERRY_STATE: url } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`schema version ${required}, this ferry needs ${required}`);
    for (const r of [before, run, text]) expect(r.stdout + r.stderr).not.toContain(s.password);

    const bad = ferry(["state", "migrate", "--state", url.replace(`:${s.password}@`, ":nope-nope@")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/state database postgres:\/\/ferry_test:\*\*\*@127\.0\.0\.1:\d+\/\S+: password authentication failed/);
    expect(bad.stderr).not.toContain("nope-nope");

    const none = ferry(["state", "migrate"], { env: { FERRY_STATE: "" } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/needs the team's PostgreSQL database/);
  });
});
