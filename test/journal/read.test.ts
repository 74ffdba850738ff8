import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { JournalError } from "../../src/journal/errors.js";
import { openJournal } from "../../src/journal/file-journal.js";
import { readJournal } from "../../src/journal/read.js";
import { event, tempStateDir } from "./helpers.js";

let bytes: Buffer;
/** Byte offset where each record starts, plus the file length at the end. */
let starts: number[];
let scratch: string;

beforeAll(async () => {
  const state = tempStateDir();
  const j = await openJournal(state, "r1", { mode: "create", lock: false });
  for (let i = 1; i <= 8; i++) await j.append(event(i));
  await j.close();
  bytes = fs.readFileSync(j.path);
  starts = [0];
  for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
  scratch = path.join(state, "scratch.ndjson");
});

function writeScratch(content: Buffer): string {
  fs.writeFileSync(scratch, content, { mode: 0o600 });
  return scratch;
}

async function corruptError(content: Buffer): Promise<JournalError> {
  const err = await readJournal(writeScratch(content)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(JournalError);
  expect((err as JournalError).code).toBe("journal-corrupt");
  return err as JournalError;
}

describe("reading a journal back", () => {
  it("returns every record of an intact journal, with no damage", async () => {
    const c = await readJournal(writeScratch(bytes));
    expect(c.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(c.records[4]!.event).toEqual(event(5));
    expect(c.damage).toEqual([]);
    expect(c.validLength).toBe(bytes.length);
  });

  it("streams lines that straddle chunk boundaries", async () => {
    const c = await readJournal(writeScratch(bytes), { chunkSize: 7 });
    expect(c.records).toHaveLength(8);
  });

  it("drops exactly the torn record at every truncation point of the last three records", async () => {
    let offsetsTried = 0;
    for (let k = starts.length - 4; k < starts.length - 1; k++) {
      for (let cut = starts[k]!; cut < starts[k + 1]!; cut++) {
        const c = await readJournal(writeScratch(bytes.subarray(0, cut)));
        offsetsTried++;
        expect(c.records.map((r) => r.seq)).toEqual(Array.from({ length: k }, (_, i) => i + 1));
        expect(c.validLength).toBe(starts[k]);
        if (cut === starts[k]) {
          expect(c.damage).toEqual([]);
        } else {
          expect(c.damage).toEqual([expect.objectContaining({ kind: "torn-tail", offset: starts[k], seq: k + 1 })]);
        }
      }
    }
    expect(offsetsTried).toBe(starts[starts.length - 1]! - starts[starts.length - 4]!);
  });

  it("treats garbage after the last record as a torn tail, with or without a newline", async () => {
    for (const junk of ["garbage", "garbage\n", '{"seq":9}\n', "\n"]) {
      const c = await readJournal(writeScratch(Buffer.concat([bytes, Buffer.from(junk)])));
      expect(c.records).toHaveLength(8);
      expect(c.damage).toEqual([expect.objectContaining({ kind: "torn-tail", offset: bytes.length, seq: 9 })]);
    }
  });

  it("treats a zero-filled tail (size extended, data never written) as a torn tail", async () => {
    for (const zeros of [1, 100, 4096]) {
      const c = await readJournal(writeScratch(Buffer.concat([bytes.subarray(0, starts[7]), Buffer.alloc(zeros)])));
      expect(c.records).toHaveLength(7);
      expect(c.damage).toEqual([expect.objectContaining({ kind: "torn-tail", offset: starts[7] })]);
    }
  });

  it("refuses more than one damaged line at the end: only the last line can be torn", async () => {
    const err = await corruptError(Buffer.concat([bytes, Buffer.from("garbage\nmore garbage\n")]));
    expect(err.offset).toBe(bytes.length);
    expect(err.seq).toBe(9);
  });

  it("refuses a bit flip anywhere in a middle record, naming the file, offset and seq", async () => {
    const k = 3; // record 4
    let flips = 0;
    for (let at = starts[k]!; at < starts[k + 1]!; at++) {
      const copy = Buffer.from(bytes);
      copy[at] = copy[at]! ^ (1 << (at % 8));
      const err = await corruptError(copy);
      expect(err.message).toContain(scratch);
      expect(err.message).toContain(`byte ${starts[k]}`);
      expect(err.offset).toBe(starts[k]);
      expect(err.seq).toBe(4);
      flips++;
    }
    expect(flips).toBe(starts[k + 1]! - starts[k]!);
  });

  it("reports a bit flip in the final record as a torn tail, not as a good record", async () => {
    const copy = Buffer.from(bytes);
    copy[starts[7]! + 20]! ^= 0x01;
    const c = await readJournal(writeScratch(copy));
    expect(c.records).toHaveLength(7);
    expect(c.damage).toEqual([expect.objectContaining({ kind: "torn-tail", offset: starts[7], seq: 8 })]);
  });

  it("refuses a deleted middle record as a sequence gap", async () => {
    const content = Buffer.concat([bytes.subarray(0, starts[2]), bytes.subarray(starts[3])]);
    const err = await corruptError(content);
    expect(err.damage?.kind).toBe("sequence-gap");
    expect(err.offset).toBe(starts[2]);
    expect(err.seq).toBe(4);
    expect(err.message).toMatch(/record 4 follows record 2/);
  });

  it("refuses reordered records", async () => {
    const rec = (i: number) => bytes.subarray(starts[i], starts[i + 1]);
    const content = Buffer.concat([bytes.subarray(0, starts[4]), rec(5), rec(4), bytes.subarray(starts[6])]);
    const err = await corruptError(content);
    expect(err.damage?.kind).toBe("sequence-gap");
    expect(err.offset).toBe(starts[4]);
  });

  it("refuses a duplicated last record even though it is well-formed", async () => {
    const err = await corruptError(Buffer.concat([bytes, bytes.subarray(starts[7])]));
    expect(err.damage?.kind).toBe("sequence-gap");
    expect(err.offset).toBe(bytes.length);
  });

  it("says when the file does not exist", async () => {
    await expect(readJournal(path.join(path.dirname(scratch), "nope.ndjson"))).rejects.toMatchObject({ code: "journal-not-found" });
  });

  it("reads an empty journal as no records", async () => {
    const c = await readJournal(writeScratch(Buffer.alloc(0)));
    expect(c).toMatchObject({ records: [], damage: [], validLength: 0, head: { seq: 0 } });
  });
});
