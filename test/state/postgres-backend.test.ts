/**
 * The PostgreSQL state backend against a real server: records committed with their hash chain
 * and fencing token, appends from several processes' journals serialised per run in the
 * database, leases that expire and fence off their old holder, the start lock, heads, plans
 * made and pinned host keys.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { verifyChain } from "../../src/journal/record.js";
import { RUN_EVENT_VERSION, type RunEvent } from "../../src/model/run-event.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { refusal } from "../helpers/refusal.js";
import { closeBackends, migratedDatabase, pgState } from "./pg-state.js";

const local = () => mkdtempSync(join(tmpdir(), "ferry-pg-local-"));
const ev = (run: string, app: string, n: number): RunEvent => ({ v: RUN_EVENT_VERSION, at: `2027-01-12T20:00:${String(n % 60).padStart(2, "0")}.000Z`, run, type: "app.started", app });

describe.skipIf(postgresMissingReason())("the PostgreSQL state backend", () => {
  const pgs = usePostgres();
  afterEach(closeBackends);

  it("commits records with the hash chain and each record's fencing token, and reads them back verified", async () => {
    const url = await migratedDatabase(pgs.server);
    const state = (await pgState(url, local()));
    const j = await state.createRun("r1", { owner: "alice" });
    const appended = await Promise.all(Array.from({ length: 50 }, (_, i) => j.append(ev("r1", `a${i}`, i))));
    expect(appended.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(j.stats().commits).toBeLessThan(50); // group commit
    await j.close();
    const back = await state.readRun("r1");
    expect(verifyChain(back.records)).toMatchObject({ ok: true, head: { seq: 50 } });
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const tokens = (await c.query<{ lease_token: string }>("SELECT DISTINCT lease_token FROM ferry_records WHERE run_id = 'r1'")).rows;
    expect(tokens).toEqual([{ lease_token: String(j.token) }]);
    // A record changed in the database is found, by run and seq.
    await c.query("UPDATE ferry_records SET line = replace(line, 'a7', 'a8') WHERE run_id = 'r1' AND seq = 8");
    await c.end();
    const err = await refusal(state.readRun("r1"));
    expect(err.code).toBe("journal-corrupt");
    expect(err.message).toContain("record 8");
    expect(err.message).not.toContain(pgs.server.password);
  });

  it("serialises appends of two processes' journals to one run in the database, one chain", async () => {
    const url = await migratedDatabase(pgs.server);
    const a = (await pgState(url, local()));
    const b = (await pgState(url, local()));
    const ja = await a.createRun("r2", { owner: "alice" }, "app:x");
    const jb = await b.openRun("r2", { owner: "runner" }, "app:y");
    await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => ja.append(ev("r2", "x", i))),
      ...Array.from({ length: 40 }, (_, i) => jb.append(ev("r2", "y", i))),
    ]);
    const back = await a.readRun("r2");
    expect(back.records).toHaveLength(80);
    expect(verifyChain(back.records).ok).toBe(true);
  });

  it("refuses a second holder while the lease is live, hands it over once it expired, and fences off the old holder", async () => {
    const url = await migratedDatabase(pgs.server);
    const first = (await pgState(url, local()));
    const j1 = await first.createRun("r3", { owner: "alice" });
    await j1.append(ev("r3", "a", 1));
    const other = (await pgState(url, local()));
    const locked = await refusal(other.openRun("r3", { owner: "bob" }));
    expect(locked.code).toBe("run-locked");
    expect(locked.message).toContain("alice");
    expect((await other.runLiveness("r3")).live).toBe(true);
    // The lease runs out (as for a holder paused or cut off longer than the lease; the
    // process-level case is in takeover.test.ts): the database's clock decides.
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    await c.query("UPDATE ferry_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE run_id = 'r3'");
    await c.end();
    expect((await other.runLiveness("r3")).live).toBe(false);
    const j2 = await other.openRun("r3", { owner: "bob" });
    expect(j2.token).toBeGreaterThan(j1.token);
    expect(j2.recovered).toHaveLength(1);
    const fenced = await refusal(j1.append(ev("r3", "a", 2)));
    expect(fenced.code).toBe("lease-lost");
    await j2.append(ev("r3", "b", 3));
    await j2.close();
    expect((await other.readRun("r3")).records.map((r) => (r.event as { app: string }).app)).toEqual(["a", "b"]);
  });

  it("lets one start at a time hold the start lock, and frees it with its holder's connection", async () => {
    const url = await migratedDatabase(pgs.server);
    const a = (await pgState(url, local()));
    const b = (await pgState(url, local()));
    const held = await a.takeStartLock("alice");
    let got = false;
    const waiting = b.takeStartLock("bob").then((l) => ((got = true), l));
    await new Promise((r) => setTimeout(r, 300));
    expect(got).toBe(false);
    await held.release();
    await (await waiting).release();
    expect(got).toBe(true);
  });

  it("keeps heads, plans made and pinned host keys", async () => {
    const url = await migratedDatabase(pgs.server);
    const s = (await pgState(url, local()));
    await s.recordHead({ run: "r", seq: 3, sum: "a".repeat(64), status: "succeeded", at: "2027-01-01T00:00:00Z" });
    expect(await s.recordedHeads("r")).toEqual([{ run: "r", seq: 3, sum: "a".repeat(64), status: "succeeded", at: "2027-01-01T00:00:00Z" }]);
    await s.recordPlanMade("sha256:p", new Date("2027-01-01T00:00:00Z"));
    await s.recordPlanMade("sha256:p", new Date("2028-01-01T00:00:00Z"));
    expect(await s.planFirstMade("sha256:p")).toBe("2027-01-01T00:00:00.000Z");
    await s.pinHostKey("[127.0.0.1]:2222 ssh-ed25519 AAAA");
    await s.pinHostKey("[127.0.0.1]:2222 ssh-ed25519 AAAA");
    expect(await s.pinnedHostKeys()).toEqual(["[127.0.0.1]:2222 ssh-ed25519 AAAA"]);
  });
});

