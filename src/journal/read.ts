/**
 * Reading a journal back: stream the file in chunks, check every line's checksum over its
 * stored bytes, and check the chain (gap-free seq from 1, each prev = previous sum).
 *
 * What counts as damage a crash can cause: only the final line. A final segment without its
 * newline, or a final line that does not parse or fails its checksum, is a torn write: it is
 * dropped and reported as a `torn-tail` warning (the append that wrote it never resolved,
 * because append resolves only after the newline is on disk). Anything else — a bad line with
 * more bytes after it, a sequence gap, a broken chain, even on the final line — cannot come
 * from a crash and is a hard `journal-corrupt` error naming the file, byte offset and seq.
 */
import { JournalError, errnoCode } from "./errors.js";
import { nodeFs, O_RDONLY, type JournalFs } from "./fs.js";
import { checkLine, nextNewline, ZERO_HASH } from "./record.js";
import type { JournalDamage, JournalRecord } from "./types.js";

export interface ReadJournalOptions {
  /** @default nodeFs */
  fs?: JournalFs;
  /** Read only the first `limit` bytes (the durable prefix of a journal being written). @default the file size */
  limit?: number;
  /** Chunk size for streaming. @default 1 MiB */
  chunkSize?: number;
  /** Stop after this many good records (the run header alone is record 1): a prefix read, which says nothing about the rest. */
  maxRecords?: number;
}

export interface JournalContents<T> {
  /** Every good record, in order. */
  records: JournalRecord<T>[];
  /** Warnings: at most one `torn-tail`. Hard damage throws instead. */
  damage: JournalDamage[];
  /** Last good record's seq and sum (0 and 64 zeros for an empty journal). */
  head: { seq: number; sum: string };
  /** Byte length of the good prefix: where a resumed journal truncates to and appends from. */
  validLength: number;
}

const HINT_CORRUPT =
  "A crash can only tear the last line, so this file was altered or the disk is failing. Keep a copy of it, " +
  "inspect the bytes at that offset, and do not resume from it until you know why.";

/** Read and verify a journal file. Throws JournalError `journal-corrupt` for damage a crash cannot cause. */
export async function readJournal<T = unknown>(path: string, opts: ReadJournalOptions = {}): Promise<JournalContents<T>> {
  const io = opts.fs ?? nodeFs;
  const chunkSize = opts.chunkSize ?? 1 << 20;
  let fd: number;
  try {
    fd = await io.open(path, O_RDONLY);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") {
      throw new JournalError("journal-not-found", `No run journal at ${path}.`, { path, hint: "Check the run id and --state directory (`ferry status` lists runs).", cause: err });
    }
    throw new JournalError("journal-io", `Cannot open the run journal ${path}: ${(err as Error).message}`, { path, cause: err });
  }
  try {
    const size = opts.limit ?? (await io.fstat(fd)).size;
    const records: JournalRecord<T>[] = [];
    const damage: JournalDamage[] = [];
    let head = { seq: 0, sum: ZERO_HASH };
    let carry: Buffer = Buffer.alloc(0);
    let carryOffset = 0; // file offset of carry[0]
    let readPos = 0;

    while (readPos < size) {
      const chunk = Buffer.allocUnsafe(Math.min(chunkSize, size - readPos));
      const n = await io.read(fd, chunk, 0, chunk.length, readPos);
      if (n === 0) break; // the file shrank under us; treat what we have as the whole
      readPos += n;
      const buf = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = nextNewline(buf, 0); nl >= 0; nl = nextNewline(buf, start)) {
        const offset = carryOffset + start;
        const isFinal = carryOffset + nl + 1 >= size;
        const expected = head.seq + 1;
        const check = checkLine<T>(buf, start, nl);
        if (!check.ok) {
          // The damaged line's own seq field may be the damaged part: name it by position.
          const claims = check.seq !== undefined && check.seq !== expected ? ` (it claims seq ${check.seq})` : "";
          if (isFinal) {
            damage.push({ kind: "torn-tail", offset, seq: expected, message: `${path}: byte ${offset}: last record (seq ${expected}) is damaged${claims}: ${check.message}; dropped as a torn write` });
            break;
          }
          throw corrupt(path, offset, expected, `${check.message}${claims}, and more records follow it`);
        }
        const r = check.record;
        if (r.seq !== expected) {
          throw corrupt(path, offset, r.seq, `record ${r.seq} follows record ${head.seq}: expected ${expected} (a record was removed, reordered or duplicated)`, "sequence-gap");
        }
        if (r.prev !== head.sum) {
          throw corrupt(path, offset, r.seq, `prev does not match the sum of record ${head.seq} (the record was replaced or moved)`, "broken-chain");
        }
        records.push(r);
        head = { seq: r.seq, sum: r.sum };
        start = nl + 1;
        if (records.length === opts.maxRecords) return { records, damage, head, validLength: carryOffset + start };
      }
      if (damage.length) break;
      carry = buf.subarray(start);
      carryOffset += start;
    }
    const validLength = damage.length ? damage[0]!.offset : carryOffset;
    if (!damage.length && carry.length) {
      damage.push({ kind: "torn-tail", offset: carryOffset, seq: head.seq + 1, message: `${path}: byte ${carryOffset}: last record (seq ${head.seq + 1}) is incomplete (${carry.length} bytes, no newline); dropped as a torn write` });
    }
    return { records, damage, head, validLength };
  } finally {
    await io.close(fd).catch(() => undefined);
  }
}

function corrupt(path: string, offset: number, seq: number, what: string, kind: JournalDamage["kind"] = "corrupt"): JournalError {
  const message = `${path}: byte ${offset}: record ${seq}: ${what}.`;
  return new JournalError("journal-corrupt", message, { path, offset, seq, hint: HINT_CORRUPT, damage: { kind, offset, seq, message } });
}
