import fs from "node:fs";
import path from "node:path";
import { describe, expect, expectTypeOf, it } from "vitest";
import { JournalError } from "../../src/journal/errors.js";
import { listRuns, openJournal, type FileJournal } from "../../src/journal/file-journal.js";
import { nodeFs, type JournalFs } from "../../src/journal/fs.js";
import { readJournal } from "../../src/journal/read.js";
import { verifyChain } from "../../src/journal/record.js";
import type { Journal } from "../../src/journal/types.js";
import { errno, event, recordingFs, tempStateDir } from "./helpers.js";

const mode = (p: string) => fs.statSync(p).mode & 0o777;
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("FileJournal", () => {
  it("round-trips appended events through the file", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "run-1", { mode: "create" });
    const written = [];
    for (let i = 1; i <= 5; i++) written.push(await j.append(event(i)));
    expect(written.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(await j.records()).toEqual(written);
    expect(j.head).toEqual({ seq: 5, sum: written[4]!.sum });
    await j.close();
    const c = await readJournal(j.path);
    expect(c.records).toEqual(written);
    expect(verifyChain(c.records).ok).toBe(true);
    expect(j.path).toBe(path.join(state, "runs", "run-1", "journal.ndjson"));
  });

  it("reads a prefix of records on request, however the chunks fall", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "run-1", { mode: "create" });
    const written = [];
    for (let i = 1; i <= 5; i++) written.push(await j.append(event(i)));
    await j.close();
    for (const chunkSize of [7, 1 << 20]) {
      const first = await readJournal(j.path, { maxRecords: 1, chunkSize });
      expect(first.records).toEqual(written.slice(0, 1));
      expect(first.damage).toEqual([]);
      expect((await readJournal(j.path, { maxRecords: 3, chunkSize })).records).toEqual(written.slice(0, 3));
    }
  });

  it("creates the run directory and file durably: file, then each directory entry, synced before use", async () => {
    const state = tempStateDir();
    const { fs: io, log } = recordingFs();
    const j = await openJournal(state, "r1", { mode: "create", fs: io, lock: false });
    const runs = path.join(state, "runs");
    const runDir = path.join(runs, "r1");
    expect(log).toEqual([
      `mkdir ${runs}`,
      `open ${state}`,
      `fsync ${state}`,
      `close ${state}`,
      `mkdir ${runDir}`,
      `open ${runs}`,
      `fsync ${runs}`,
      `close ${runs}`,
      `open ${j.path}`,
      `fsync ${j.path}`,
      `open ${runDir}`,
      `fsync ${runDir}`,
      `close ${runDir}`,
    ]);
    await j.close();
  });

  it("resolves an append only after its bytes are written and fdatasync'd", async () => {
    const state = tempStateDir();
    const { fs: recorded, log } = recordingFs();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // Await the journal reaching fdatasync (an event), not a number of event-loop turns: the
    // write runs on libuv's thread pool and may take any number of turns on a busy machine.
    let syncing!: () => void;
    const reachedSync = new Promise<void>((resolve) => (syncing = resolve));
    const io: JournalFs = {
      ...recorded,
      async fdatasync(fd) {
        syncing();
        await gate;
        await recorded.fdatasync(fd);
      },
    };
    const j = await openJournal(state, "r1", { mode: "create", fs: io, lock: false });
    log.length = 0;
    let resolved = false;
    const p = j.append(event(1)).then((r) => {
      resolved = true;
      log.push(`resolved ${r.seq}`);
    });
    await reachedSync;
    for (let i = 0; i < 5; i++) await turn();
    expect(log).toEqual([`write ${j.path}`]);
    expect(resolved).toBe(false);
    release();
    await p;
    expect(log).toEqual([`write ${j.path}`, `fdatasync ${j.path}`, "resolved 1"]);
    await j.close();
  });

  it.each(["EIO", "ENOSPC"])("enters a failed state when fdatasync fails with %s, and never retries", async (code) => {
    const state = tempStateDir();
    let syncs = 0;
    let writes = 0;
    const io: JournalFs = {
      ...nodeFs,
      async write(fd, b, o, l) {
        writes++;
        return nodeFs.write(fd, b, o, l);
      },
      async fdatasync(fd) {
        syncs++;
        if (syncs === 2) throw errno(code);
        return nodeFs.fdatasync(fd);
      },
    };
    const j = await openJournal(state, "r1", { mode: "create", fs: io, lock: false });
    await j.append(event(1));
    const doomed = j.append(event(2)); // its sync fails
    const queued = [3, 4, 5].map((i) => j.append(event(i))); // batched behind the failing sync
    const all = await Promise.allSettled([doomed, ...queued]);
    for (const r of all) {
      expect(r.status).toBe("rejected");
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(JournalError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ code: "journal-io" });
    }
    expect(j.failure?.message).toContain(code);
    await expect(j.append(event(6))).rejects.toBe(j.failure);
    expect(syncs).toBe(2);
    expect(writes).toBe(2);
    await j.close();
    // What reached the disk is still a valid journal: resume starts from it.
    const r = await openJournal(state, "r1", { mode: "resume", lock: false });
    expect(r.recovered.map((x) => x.seq).slice(0, 1)).toEqual([1]);
    await r.close();
  });

  it("enters the failed state when a write fails (ENOSPC)", async () => {
    const state = tempStateDir();
    const io: JournalFs = { ...nodeFs, write: () => Promise.reject(errno("ENOSPC")) };
    const j = await openJournal(state, "r1", { mode: "create", fs: io, lock: false });
    await expect(j.append(event(1))).rejects.toMatchObject({ code: "journal-io", hint: expect.stringContaining("Free disk space") });
    await expect(j.append(event(2))).rejects.toMatchObject({ code: "journal-io" });
    await j.close();
  });

  it("group-commits 1,000 concurrent appends: gap-free, chained, each resolved once with its own record", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "r1", { mode: "create" });
    const records = await Promise.all(Array.from({ length: 1000 }, (_, i) => j.append(event(i))));
    expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(records.map((r) => (r.event as { n: number }).n)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const stats = j.stats();
    expect(stats.records).toBe(1000);
    expect(stats.syncs).toBeLessThan(1000);
    await j.close();
    const c = await readJournal(j.path);
    expect(c.records).toEqual(records);
    expect(verifyChain(c.records).ok).toBe(true);
  });

  it("keeps batching while callers append from inside resolution callbacks", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "r1", { mode: "create", lock: false });
    const workers = Array.from({ length: 50 }, async (_, w) => {
      for (let i = 0; i < 20; i++) await j.append(event(w * 100 + i));
    });
    await Promise.all(workers);
    expect(j.stats().records).toBe(1000);
    expect(j.stats().syncs).toBeLessThanOrEqual(100);
    await j.close();
    expect((await readJournal(j.path)).records).toHaveLength(1000);
  });

  it("rejects an event JSON cannot carry without harming the journal", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "r1", { mode: "create", lock: false });
    await expect(j.append({ bad: Number.NaN })).rejects.toThrow();
    await expect(j.append(event(1))).resolves.toMatchObject({ seq: 1 });
    await j.close();
  });

  it("waits for queued appends on close", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "r1", { mode: "create", lock: false });
    const pending = [1, 2, 3].map((i) => j.append(event(i)));
    await j.close();
    await expect(Promise.all(pending)).resolves.toHaveLength(3);
    expect((await readJournal(j.path)).records).toHaveLength(3);
  });

  it("refuses to create a journal that exists", async () => {
    const state = tempStateDir();
    await (await openJournal(state, "r1", { mode: "create" })).close();
    await expect(openJournal(state, "r1", { mode: "create" })).rejects.toMatchObject({ code: "journal-exists" });
  });

  it("refuses to resume a run that has no journal", async () => {
    const state = tempStateDir();
    await expect(openJournal(state, "nope", { mode: "resume" })).rejects.toMatchObject({ code: "journal-not-found", message: expect.stringContaining("nope") });
  });

  it("refuses a run id that is not a plain name", async () => {
    await expect(openJournal(tempStateDir(), "../etc", { mode: "create" })).rejects.toMatchObject({ code: "usage" });
  });

  it("resumes after the last record and continues the chain", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create" });
    for (let i = 1; i <= 3; i++) await a.append(event(i));
    await a.close();
    const b = await openJournal(state, "r1", { mode: "resume" });
    expect(b.recovered.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(b.warnings).toEqual([]);
    expect(await b.records()).toEqual(b.recovered);
    expect(await b.append(event(4))).toMatchObject({ seq: 4, prev: a.head.sum });
    expect((await b.records()).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    await b.close();
    expect(verifyChain((await readJournal(b.path)).records).ok).toBe(true);
  });

  it("truncates a torn tail on resume (synced) before appending, and warns", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create", lock: false });
    for (let i = 1; i <= 3; i++) await a.append(event(i));
    await a.close();
    const good = fs.statSync(a.path).size;
    fs.appendFileSync(a.path, '{"event":{"half":');
    const { fs: io, log } = recordingFs();
    const b = await openJournal(state, "r1", { mode: "resume", fs: io, lock: false });
    expect(b.warnings).toEqual([expect.objectContaining({ kind: "torn-tail", offset: good, seq: 4 })]);
    expect(log.filter((l) => l.startsWith("ftruncate") || l.startsWith("fsync"))).toEqual([`ftruncate ${b.path} ${good}`, `fsync ${b.path}`, `fsync ${path.dirname(b.path)}`]);
    expect(fs.statSync(b.path).size).toBe(good);
    await b.append(event(4));
    await b.close();
    const c = await readJournal(b.path);
    expect(c.damage).toEqual([]);
    expect(c.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
  });

  it("continues correctly after a torn tail at every cut point of the last record", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create", lock: false });
    for (let i = 1; i <= 4; i++) await a.append(event(i));
    await a.close();
    const full = fs.readFileSync(a.path);
    const lastStart = full.subarray(0, full.length - 1).lastIndexOf(0x0a) + 1;
    for (let cut = lastStart + 1; cut < full.length; cut += 7) {
      fs.writeFileSync(a.path, full.subarray(0, cut));
      const b = await openJournal(state, "r1", { mode: "resume", lock: false });
      expect(b.recovered).toHaveLength(3);
      await b.append({ replaced: cut });
      await b.close();
      const c = await readJournal(a.path);
      expect(c.damage).toEqual([]);
      expect(c.records.map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    }
  });

  it("refuses to resume a journal with damage in the middle", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create", lock: false });
    for (let i = 1; i <= 4; i++) await a.append(event(i));
    await a.close();
    const bytes = fs.readFileSync(a.path);
    bytes[bytes.indexOf(0x0a) + 30]! ^= 0x04;
    fs.writeFileSync(a.path, bytes);
    const err = await openJournal(state, "r1", { mode: "resume" }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "journal-corrupt", seq: 2, offset: bytes.indexOf(0x0a) + 1 });
    expect((err as Error).message).toContain(a.path);
    // The lock taken for the attempt was released.
    await (await openJournal(state, "r1", { mode: "resume", lock: true }).catch(() => undefined))?.close();
    expect(fs.existsSync(path.join(state, "locks", "run-r1.lock"))).toBe(false);
  });

  it("refuses to resume when the journal disagrees with an anchored head", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create", lock: false });
    for (let i = 1; i <= 4; i++) await a.append(event(i));
    const anchor = a.head;
    await a.close();
    const bytes = fs.readFileSync(a.path);
    fs.writeFileSync(a.path, bytes.subarray(0, bytes.indexOf(0x0a) + 1)); // cut to one record: a valid prefix
    await expect(openJournal(state, "r1", { mode: "resume", anchor })).rejects.toMatchObject({ code: "journal-corrupt", message: expect.stringMatching(/records were removed/) });
  });

  it("holds the run lock while open: a second opener is told who has it", async () => {
    const state = tempStateDir();
    const a = await openJournal(state, "r1", { mode: "create", owner: "alice@ops1" });
    expect(a.lock?.token).toBe(1);
    await expect(openJournal(state, "r1", { mode: "resume", owner: "bob@ops2" })).rejects.toMatchObject({
      code: "run-locked",
      message: expect.stringContaining("alice@ops1"),
    });
    await a.close();
    const b = await openJournal(state, "r1", { mode: "resume", owner: "bob@ops2" });
    expect(b.lock?.token).toBe(2);
    await b.close();
  });

  it("creates files 0600 and directories 0700", async () => {
    const state = tempStateDir();
    const j = await openJournal(state, "r1", { mode: "create" });
    expect(mode(j.path)).toBe(0o600);
    expect(mode(path.dirname(j.path))).toBe(0o700);
    expect(mode(path.join(state, "runs"))).toBe(0o700);
    expect(mode(path.join(state, "locks"))).toBe(0o700);
    expect(mode(j.lock!.path)).toBe(0o600);
    await j.close();
  });

  it("creates a missing state directory 0700", async () => {
    const state = path.join(tempStateDir(), "nested", ".ferry");
    const j = await openJournal(state, "r1", { mode: "create" });
    expect(mode(state)).toBe(0o700);
    expect(mode(path.dirname(state))).toBe(0o700);
    await j.close();
  });

  it.each([0o777, 0o770, 0o702])("refuses a state directory with mode %o, naming the path and the fix", async (m) => {
    const state = tempStateDir();
    fs.chmodSync(state, m);
    const err = await openJournal(state, "r1", { mode: "create" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JournalError);
    expect(err).toMatchObject({ code: "state-dir-unsafe", path: state, hint: `Fix: chmod 700 ${state}` });
    expect((err as Error).message).toContain(state);
    expect(fs.existsSync(path.join(state, "runs"))).toBe(false);
  });

  it("refuses a group-writable run directory on resume", async () => {
    const state = tempStateDir();
    await (await openJournal(state, "r1", { mode: "create" })).close();
    fs.chmodSync(path.join(state, "runs", "r1"), 0o775);
    await expect(openJournal(state, "r1", { mode: "resume" })).rejects.toMatchObject({ code: "state-dir-unsafe" });
  });

  it("lists the runs that have a journal, in order", async () => {
    const state = tempStateDir();
    expect(await listRuns(state)).toEqual([]);
    for (const id of ["20270112-190003-bbbbbb", "20270101-080000-aaaaaa"]) await (await openJournal(state, id, { mode: "create" })).close();
    fs.mkdirSync(path.join(state, "runs", "not-a-run"));
    expect(await listRuns(state)).toEqual(["20270101-080000-aaaaaa", "20270112-190003-bbbbbb"]);
  });

  it("implements the Journal interface the engine depends on", () => {
    expectTypeOf<FileJournal<{ type: string }>>().toExtend<Journal<{ type: string }>>();
  });
});
