import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { acquireRunLock, readRunLock, RunLockedError, type LockHolder } from "../../src/journal/run-lock.js";
import { spawnFixture, tempStateDir, watchLines } from "./helpers.js";

async function refusal(p: Promise<unknown>): Promise<RunLockedError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RunLockedError);
  return err as RunLockedError;
}

function writeLock(state: string, key: string, holder: Partial<LockHolder>): void {
  fs.mkdirSync(path.join(state, "locks"), { recursive: true, mode: 0o700 });
  const full: LockHolder = { key, pid: 1, hostname: os.hostname(), owner: "ghost", started: "2026-01-01T00:00:00.000Z", token: 7, ...holder };
  fs.writeFileSync(path.join(state, "locks", `${key}.lock`), JSON.stringify(full) + "\n", { mode: 0o600 });
}

describe("run lock", () => {
  it("refuses a second acquirer, naming the holder and since when", async () => {
    const state = tempStateDir();
    const lock = await acquireRunLock(state, "wave-3", { owner: "alice@ops1" });
    const err = await refusal(acquireRunLock(state, "wave-3", { owner: "bob@ops2" }));
    expect(err.code).toBe("run-locked");
    expect(err.holder).toMatchObject({ owner: "alice@ops1", pid: process.pid, token: lock.token });
    expect(err.message).toContain("alice@ops1");
    expect(err.message).toContain(`pid ${process.pid}`);
    expect(err.message).toContain(`since ${lock.holder.started}`);
    await lock.release();
  });

  it("hands out a higher fencing token on every acquisition", async () => {
    const state = tempStateDir();
    const tokens = [];
    for (let i = 0; i < 4; i++) {
      const lock = await acquireRunLock(state, "wave-1");
      tokens.push(lock.token);
      expect(await readRunLock(state, "wave-1")).toMatchObject({ token: lock.token, pid: process.pid });
      await lock.release();
    }
    expect(tokens).toEqual([1, 2, 3, 4]);
    expect(await readRunLock(state, "wave-1")).toBeUndefined();
  });

  it("keeps locks of different keys independent", async () => {
    const state = tempStateDir();
    const a = await acquireRunLock(state, "wave-1");
    const b = await acquireRunLock(state, "wave-2");
    expect([a.token, b.token]).toEqual([1, 1]);
    await Promise.all([a.release(), b.release()]);
  });

  it("takes over a stale lock after its holder is SIGKILLed, with a higher fencing token", async () => {
    const state = tempStateDir();
    const child = spawnFixture("hold-lock.ts", [state, "wave-9", "hold"]);
    let childToken = 0;
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const exited = watchLines(child, (line) => {
      if (line.startsWith("locked ")) {
        childToken = Number(line.slice(7));
        locked();
      }
    });
    await isLocked;
    const err = await refusal(acquireRunLock(state, "wave-9"));
    expect(err.holder?.pid).toBe(child.pid);
    child.kill("SIGKILL");
    await exited;
    const lock = await acquireRunLock(state, "wave-9", { owner: "survivor" });
    expect(lock.token).toBeGreaterThan(childToken);
    expect(await readRunLock(state, "wave-9")).toMatchObject({ owner: "survivor", pid: process.pid, token: lock.token });
    await lock.release();
  });

  it("uses the dead holder's token as a floor even when the counter lags behind it", async () => {
    const state = tempStateDir();
    writeLock(state, "w", { pid: 424242, token: 41 });
    const lock = await acquireRunLock(state, "w", { isAlive: () => false });
    expect(lock.token).toBe(42);
    await lock.release();
  });

  it("never takes over a lock held on another host", async () => {
    const state = tempStateDir();
    writeLock(state, "w", { hostname: "elsewhere.example", pid: 5 });
    const err = await refusal(acquireRunLock(state, "w", { isAlive: () => false }));
    expect(err.message).toContain("elsewhere.example");
    expect(err.hint).toContain("remove");
  });

  it("lets exactly one of 100 racing acquirers hold the lock", async () => {
    const state = tempStateDir();
    const results = await Promise.allSettled(Array.from({ length: 100 }, (_, i) => acquireRunLock(state, "wave-5", { owner: `op-${i}` })));
    const winners = results.filter((r) => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(RunLockedError);
    await (winners[0] as PromiseFulfilledResult<{ release(): Promise<void> }>).value.release();
  });

  it("lets exactly one of 20 racing takeovers of one stale lock win", async () => {
    const state = tempStateDir();
    writeLock(state, "w", { pid: 424242, token: 3 });
    const isAlive = (pid: number) => pid !== 424242;
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => acquireRunLock(state, "w", { isAlive })));
    const winners = results.filter((r): r is PromiseFulfilledResult<Awaited<ReturnType<typeof acquireRunLock>>> => r.status === "fulfilled");
    expect(winners).toHaveLength(1);
    expect(winners[0]!.value.token).toBe(4);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(RunLockedError);
    expect(fs.readdirSync(path.join(state, "locks")).sort()).toEqual(["w.lock", "w.token"]);
    await winners[0]!.value.release();
  });

  it("lets exactly one of 12 racing processes hold the lock", async () => {
    const state = tempStateDir();
    const children = Array.from({ length: 12 }, () => spawnFixture("hold-lock.ts", [state, "wave-7", "race"]));
    const outcomes: string[] = [];
    let ready = 0;
    let allReady!: () => void;
    const readyAll = new Promise<void>((resolve) => (allReady = resolve));
    let decided!: () => void;
    const allDecided = new Promise<void>((resolve) => (decided = resolve));
    const exits = children.map((c) =>
      watchLines(c, (line) => {
        if (line === "ready" && ++ready === children.length) allReady();
        if (line.startsWith("won") || line.startsWith("lost")) {
          outcomes.push(line);
          if (outcomes.length === children.length) decided();
        }
      }),
    );
    await readyAll;
    for (const c of children) c.stdin!.write("go\n");
    await allDecided;
    expect(outcomes.filter((o) => o.startsWith("won"))).toHaveLength(1);
    for (const c of children) c.stdin!.end();
    for (const e of await Promise.all(exits)) expect(e.stderr).toBe("");
    expect(await readRunLock(state, "wave-7")).toBeUndefined();
  }, 60_000);

  it("creates the lock file 0600 in a 0700 directory and refuses a world-writable state dir", async () => {
    const state = tempStateDir();
    const lock = await acquireRunLock(state, "w");
    expect(fs.statSync(lock.path).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(lock.path)).mode & 0o777).toBe(0o700);
    await lock.release();
    fs.chmodSync(state, 0o777);
    await expect(acquireRunLock(state, "w")).rejects.toMatchObject({ code: "state-dir-unsafe", hint: `Fix: chmod 700 ${state}` });
  });

  it("does not remove a lock on release once it belongs to someone else", async () => {
    const state = tempStateDir();
    const lock = await acquireRunLock(state, "w");
    writeLock(state, "w", { pid: 99, owner: "new holder", token: 50 });
    await lock.release();
    expect(await readRunLock(state, "w")).toMatchObject({ owner: "new holder" });
  });

  it("rejects a key that is not a plain name", async () => {
    await expect(acquireRunLock(tempStateDir(), "../x")).rejects.toMatchObject({ code: "usage" });
  });
});
