import { describe, expect, it } from "vitest";
import { checkLine, encodeRecord, recordSum, verifyChain, ZERO_HASH } from "../../src/journal/record.js";
import type { JournalRecord } from "../../src/journal/types.js";
import { event } from "./helpers.js";

function chain(n: number): JournalRecord[] {
  const out: JournalRecord[] = [];
  let prev = ZERO_HASH;
  for (let i = 1; i <= n; i++) {
    const { record } = encodeRecord(i, `2026-01-01T00:00:0${i % 10}.000Z`, prev, event(i));
    out.push(record);
    prev = record.sum;
  }
  return out;
}

describe("journal records", () => {
  it("serialises a record as canonical JSON with the sum as the last member", () => {
    const { record, line } = encodeRecord(1, "2026-01-01T00:00:00.000Z", ZERO_HASH, { b: 2, a: [1, "x"] });
    const text = line.toString();
    expect(text.endsWith(`,"sum":"${record.sum}"}\n`)).toBe(true);
    expect(text.startsWith('{"event":{"a":[1,"x"],"b":2},"prev":"0000')).toBe(true);
    expect(record.sum).toBe(recordSum(record));
  });

  it("computes the same sum from the stored bytes as from the parsed fields", () => {
    const { record, line } = encodeRecord(3, "2026-01-01T00:00:00.000Z", "a".repeat(64), { name: "Zoë ☃ \u0000 \"quoted\"", n: 1e21 });
    const check = checkLine(line, 0, line.length - 1);
    expect(check).toEqual({ ok: true, record: JSON.parse(line.toString()) });
    expect(recordSum(JSON.parse(line.toString()) as JournalRecord)).toBe(record.sum);
  });

  it("refuses events that JSON cannot carry faithfully", () => {
    expect(() => encodeRecord(1, "t", ZERO_HASH, undefined)).toThrow(TypeError);
    expect(() => encodeRecord(1, "t", ZERO_HASH, { n: Number.NaN })).toThrow();
    expect(() => encodeRecord(1, "t", ZERO_HASH, () => 1)).toThrow(TypeError);
  });

  it("accepts a well-formed chain and reports its head", () => {
    const records = chain(5);
    expect(verifyChain(records)).toEqual({ ok: true, head: { seq: 5, sum: records[4]!.sum } });
  });

  it("flags the first bad link: an altered payload", () => {
    const records = chain(5);
    records[2] = { ...records[2]!, event: { tampered: true } };
    const v = verifyChain(records);
    expect(v.ok).toBe(false);
    expect(!v.ok && v.break).toMatchObject({ index: 2, seq: 3, kind: "corrupt" });
    expect(v.head.seq).toBe(2);
  });

  it("flags a deleted record as a sequence gap", () => {
    const records = chain(5);
    records.splice(1, 1);
    const v = verifyChain(records);
    expect(!v.ok && v.break).toMatchObject({ index: 1, seq: 3, kind: "sequence-gap" });
  });

  it("flags a re-signed replacement as a broken chain", () => {
    const records = chain(5);
    const forged = encodeRecord(3, records[2]!.ts, "f".repeat(64), { forged: true }).record;
    records[2] = forged;
    const v = verifyChain(records);
    expect(!v.ok && v.break).toMatchObject({ index: 2, seq: 3, kind: "broken-chain" });
  });

  it("catches a fully rewritten journal only against an anchored head", () => {
    const original = chain(5);
    const rewritten = chain(4);
    rewritten.push(encodeRecord(5, "2026-01-01T00:00:05.000Z", rewritten[3]!.sum, { rewritten: true }).record);
    expect(verifyChain(rewritten).ok).toBe(true);
    const v = verifyChain(rewritten, original[4]!.sum);
    expect(!v.ok && v.break).toMatchObject({ seq: 5, kind: "anchor-mismatch" });
    expect(verifyChain(original, original[4]!.sum).ok).toBe(true);
  });

  it("catches records cut from the end against an anchor taken earlier", () => {
    const records = chain(5);
    const anchor = { seq: 5, sum: records[4]!.sum };
    expect(verifyChain(records, anchor).ok).toBe(true);
    expect(verifyChain(chain(6), anchor).ok).toBe(true);
    const v = verifyChain(records.slice(0, 3), anchor);
    expect(!v.ok && v.break.message).toMatch(/journal ends at record 3 but the anchored head is record 5/);
  });
});
