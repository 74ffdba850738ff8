/**
 * How one journal record is serialised and checked.
 *
 * A line is the RFC 8785 canonical JSON of `{seq, ts, prev, event}` with `"sum"` added as the
 * last member, then a newline:
 *
 *   {"event":{…},"prev":"<64 hex>","seq":7,"ts":"2026-…Z","sum":"<64 hex>"}\n
 *
 * `sum` is sha256 of that canonical encoding; `prev` is the previous record's `sum` (64 zeros
 * for the first). Because the line carries the canonical bytes verbatim, a reader checks a
 * record by hashing the stored bytes (the line minus its fixed 74-byte `,"sum":"…"}` tail, plus
 * `}`) without re-canonicalising the payload: that keeps reading 100,000 records well under a
 * second, and any tool can check a line: drop its last 74 bytes, append `}`, sha256 that.
 * `verifyChain` re-derives sums from parsed records the slow, canonical way, for records that
 * did not come from a file (or to double-check a file's canonical form).
 */
import crypto from "node:crypto";
import { canonicalJson } from "../model/canonical-json.js";
import { eventJson } from "./event-json.js";
import type { JournalRecord } from "./types.js";

/** `prev` of the first record. */
export const ZERO_HASH = "0".repeat(64);

/** Length of `,"sum":"` + 64 hex + `"}`. */
const SUM_TAIL = 74;
const SUM_OPEN = Buffer.from(',"sum":"', "latin1");
const NEWLINE = 0x0a;

/** sha256 hex of a string or bytes. One-shot `crypto.hash` (Node ≥ 20.12) is twice as fast as a Hash object. */
export const sha256: (data: string | Uint8Array) => string =
  typeof crypto.hash === "function"
    ? (data) => crypto.hash("sha256", data, "hex")
    : (data) => crypto.createHash("sha256").update(data).digest("hex");

/** The canonical sum of a record's content, computed from the parsed fields. */
export function recordSum(r: Pick<JournalRecord, "seq" | "ts" | "prev" | "event">): string {
  return sha256(canonicalBody(r.seq, r.ts, r.prev, r.event));
}

function canonicalBody(seq: number, ts: string, prev: string, event: unknown): string {
  // Members in RFC 8785 order (event, prev, seq, ts), written directly: the envelope's keys are
  // fixed, so only the event needs the general walk (eventJson: canonicalJson's output, faster
  // for the few shapes a run's events have). encodeRecord writes the same text.
  return `{"event":${eventJson(event)},"prev":${canonicalJson(prev)},"seq":${canonicalJson(seq)},"ts":${canonicalJson(ts)}}`;
}

/** Build record `seq` and its line bytes (newline included). Throws TypeError for a non-JSON event. */
export function encodeRecord<T>(seq: number, ts: string, prev: string, event: T): { record: JournalRecord<T>; line: Buffer } {
  const { record, text } = encodeRecordText(seq, ts, prev, event);
  return { record, line: Buffer.from(text, "utf8") };
}

/**
 * encodeRecord's line as text: the file journal turns a whole batch into bytes at once, one
 * buffer per group commit instead of one per record and a copy into the batch.
 */
export function encodeRecordText<T>(seq: number, ts: string, prev: string, event: T): { record: JournalRecord<T>; text: string } {
  // The envelope written directly, as canonicalBody writes it, when seq is an integer and ts and
  // prev (an ISO time, a hex sum) need no escaping: only the event then takes the general encoder.
  const plain = Number.isSafeInteger(seq) && ENVELOPE_TEXT.test(ts) && ENVELOPE_TEXT.test(prev);
  const body = plain ? `{"event":${eventJson(event)},"prev":"${prev}","seq":${seq},"ts":"${ts}"}` : canonicalBody(seq, ts, prev, event);
  const open = body.slice(0, -1);
  const sum = sha256(body);
  return { record: { seq, ts, prev, event, sum }, text: `${open},"sum":"${sum}"}\n` };
}

/** Text JSON writes as it is between quotes: what a timestamp and a hex sum are made of. */
const ENVELOPE_TEXT = /^[0-9A-Za-z:.+-]*$/;

/** Outcome of checking one stored line on its own (the chain is checked by the caller). */
export type LineCheck<T> = { ok: true; record: JournalRecord<T> } | { ok: false; message: string; seq?: number };

/**
 * Check one line, `buf[start, end)` without its newline: shape, checksum over the stored bytes,
 * then parse. Allocation-light, as it runs once per record on resume; it briefly rewrites one
 * byte of `buf` and restores it before returning.
 */
export function checkLine<T>(buf: Buffer, start: number, end: number): LineCheck<T> {
  const len = end - start;
  const tailAt = end - SUM_TAIL;
  if (len < SUM_TAIL + 2 || buf[start] !== 0x7b /* { */ || !hasSumTail(buf, tailAt) || buf[end - 2] !== 0x22 /* " */ || buf[end - 1] !== 0x7d /* } */) {
    return { ok: false, message: "not a journal record (no checksum at the end of the line)", seq: guessSeq(buf, start, end) };
  }
  // The hashed bytes are the line up to the `,` that opens `"sum"`, with that `,` read as `}`:
  // swap the byte in place for one hash call rather than copying the line.
  const comma = buf[tailAt]!;
  buf[tailAt] = 0x7d;
  const computed = sha256(buf.subarray(start, tailAt + 1));
  buf[tailAt] = comma;
  // Compare the hex digits in place: no string is made of the stored sum unless it differs.
  const sumAt = tailAt + SUM_OPEN.length;
  for (let i = 0; i < 64; i++) {
    if (buf[sumAt + i] !== computed.charCodeAt(i)) {
      const stored = buf.toString("latin1", sumAt, end - 2);
      return { ok: false, message: `checksum mismatch (stored ${stored.slice(0, 12)}…, computed ${computed.slice(0, 12)}…)`, seq: guessSeq(buf, start, end) };
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(buf.toString("utf8", start, end));
  } catch {
    return { ok: false, message: "checksum matches but the line is not valid JSON", seq: guessSeq(buf, start, end) };
  }
  if (!isRecordShape(parsed) || parsed.sum !== computed) {
    return { ok: false, message: "checksum matches but the record lacks seq, ts, prev, event or sum", seq: guessSeq(buf, start, end) };
  }
  return { ok: true, record: parsed as JournalRecord<T> };
}

function hasSumTail(buf: Buffer, at: number): boolean {
  for (let i = 0; i < SUM_OPEN.length; i++) if (buf[at + i] !== SUM_OPEN[i]) return false;
  return true;
}

function isRecordShape(v: unknown): v is JournalRecord {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  let members = 0;
  for (const k in r) if (Object.hasOwn(r, k)) members++;
  return (
    members === 5 &&
    Number.isSafeInteger(r.seq) &&
    (r.seq as number) >= 1 &&
    typeof r.ts === "string" &&
    typeof r.prev === "string" && // compared with the previous sum by the caller
    r.prev.length === 64 &&
    "event" in r &&
    typeof r.sum === "string"
  );
}

/** Best effort, for messages about damaged lines: `seq` sits just before `ts` near the end. */
function guessSeq(buf: Buffer, start: number, end: number): number | undefined {
  const from = Math.max(start, end - 200);
  const m = /"seq":(\d{1,15}),"ts":/.exec(buf.toString("latin1", from, end));
  return m ? Number(m[1]) : undefined;
}

/** Index of the next newline at or after `from`, or -1. */
export function nextNewline(buf: Buffer, from: number): number {
  return buf.indexOf(NEWLINE, from);
}

/**
 * An externally kept head: a string is the sum the last record must have; `{seq, sum}` is a
 * record that must be present with that sum (the journal may have grown since it was anchored).
 */
export type ChainAnchor = string | { seq: number; sum: string };

/** The first bad link found by `verifyChain`. */
export interface ChainBreak {
  /** Index into the records array. */
  index: number;
  seq?: number;
  kind: "corrupt" | "broken-chain" | "sequence-gap" | "anchor-mismatch";
  message: string;
}

export type ChainVerdict =
  | { ok: true; head: { seq: number; sum: string } }
  | { ok: false; break: ChainBreak; head: { seq: number; sum: string } };

/**
 * Verify parsed records from scratch: each sum re-derived canonically, seq gap-free from 1, each
 * `prev` equal to the previous `sum`, and (optionally) agreement with an anchored head. Returns
 * the first bad link and the last good head rather than throwing.
 */
export function verifyChain(records: readonly JournalRecord[], anchor?: ChainAnchor): ChainVerdict {
  let head = { seq: 0, sum: ZERO_HASH };
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    const fail = (kind: ChainBreak["kind"], message: string): ChainVerdict => ({ ok: false, break: { index: i, seq: r.seq, kind, message }, head });
    let sum: string;
    try {
      sum = recordSum(r);
    } catch (err) {
      return fail("corrupt", `record ${r.seq}: cannot be encoded (${(err as Error).message})`);
    }
    if (sum !== r.sum) return fail("corrupt", `record ${r.seq}: checksum mismatch (stored ${String(r.sum).slice(0, 12)}…, computed ${sum.slice(0, 12)}…)`);
    if (r.seq !== head.seq + 1) return fail("sequence-gap", `record ${r.seq} follows record ${head.seq}: expected ${head.seq + 1} (a record was removed, reordered or duplicated)`);
    if (r.prev !== head.sum) return fail("broken-chain", `record ${r.seq}: prev does not match the sum of record ${head.seq} (the record was replaced)`);
    head = { seq: r.seq, sum: r.sum };
  }
  if (anchor !== undefined) {
    const want = typeof anchor === "string" ? { seq: head.seq, sum: anchor } : anchor;
    const got = want.seq === head.seq ? records[records.length - 1] : records[want.seq - 1];
    if (typeof anchor === "string" ? head.sum !== anchor : got?.sum !== anchor.sum) {
      const index = Math.min(Math.max(want.seq - 1, 0), records.length);
      const message =
        got === undefined
          ? `journal ends at record ${head.seq} but the anchored head is record ${want.seq}: records were removed from the end`
          : `record ${got.seq} has sum ${got.sum.slice(0, 12)}… but the anchored head says ${want.sum.slice(0, 12)}…: the journal was rewritten`;
      return { ok: false, break: { index, seq: want.seq, kind: "anchor-mismatch", message }, head };
    }
  }
  return { ok: true, head };
}
