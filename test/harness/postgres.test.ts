import { statSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { postgresMissingReason, usePostgres } from "./postgres.js";

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

describe.skipIf(postgresMissingReason())("the PostgreSQL test server", () => {
  const pgs = usePostgres();

  it("runs as an unprivileged user, on loopback, with fsync on", async () => {
    const s = pgs.server;
    const rows = await query<{ fsync: string; sc: string; addr: string }>(
      s.url,
      "SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('listen_addresses') AS addr",
    );
    expect(rows[0]).toEqual({ fsync: "on", sc: "on", addr: "127.0.0.1" });
    expect(statSync(s.dataDir).uid).not.toBe(0);
    const status = (await import("node:fs")).readFileSync(`/proc/${s.pid()}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+[1-9]\d*/m);
  });

  it("requires the password over TCP and names no password in its refusal", async () => {
    const s = pgs.server;
    const wrong = s.url.replace(`:${s.password}@`, ":not-the-password@");
    await expect(query(wrong, "SELECT 1")).rejects.toThrow(/password authentication failed/);
  });

  it("also listens on a Unix socket in its own folder", async () => {
    const s = pgs.server;
    const rows = await query<{ one: number }>(`postgres://${s.user}@/postgres?host=${encodeURIComponent(s.socketDir)}&port=${s.port}`, "SELECT 1 AS one");
    expect(rows[0]!.one).toBe(1);
  });

  it("gives each caller a fresh, empty database", async () => {
    const s = pgs.server;
    const a = await s.createDatabase();
    const b = await s.createDatabase();
    expect(a).not.toBe(b);
    await query(a, "CREATE TABLE t (v int)");
    const tables = await query(b, "SELECT 1 FROM pg_tables WHERE tablename = 't'");
    expect(tables).toHaveLength(0);
  });

  it("keeps committed rows across kill -9 of the postmaster and a restart", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    await query(url, "CREATE TABLE t (v int)");
    await query(url, "INSERT INTO t VALUES (1), (2), (3)");
    const before = s.pid();
    await s.kill();
    await expect(query(url, "SELECT 1")).rejects.toThrow();
    await s.restart();
    expect(s.pid()).not.toBe(before);
    expect(s.log()).toMatch(/not properly shut down|automatic recovery/);
    const rows = await query<{ n: string }>(url, "SELECT count(*) AS n FROM t");
    expect(rows[0]!.n).toBe("3");
  });

  it("pause() freezes open connections until resume()", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      s.pause();
      let answered = false;
      const pending = client.query("SELECT 42 AS v").then((r) => {
        answered = true;
        return r.rows[0].v as number;
      });
      await new Promise((r) => setTimeout(r, 500));
      expect(answered).toBe(false);
      s.resume();
      expect(await pending).toBe(42);
    } finally {
      s.resume();
      await client.end();
    }
  });

  it("stops cleanly and restarts on the same port", async () => {
    const s = pgs.server;
    const url = await s.createDatabase();
    await query(url, "CREATE TABLE kept (v int)");
    const port = s.port;
    await s.stop();
    expect(s.pid()).toBeUndefined();
    await s.restart();
    expect(s.port).toBe(port);
    expect(await query(url, "SELECT * FROM kept")).toEqual([]);
  });
});
