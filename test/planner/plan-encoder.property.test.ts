/**
 * The streaming canonical encoder (model/canonical-json.ts), which the plan hash uses, against
 * the `canonicalize` package, its reference: byte-identical text and the same SHA-256 on
 * generated plans, on the same plans with their strings, numbers and keys replaced by awkward
 * ones (non-ASCII, escapes, lone surrogates, keys that sort differently by UTF-16 code units
 * than by code points), and on any JSON value.
 */
import canonicalize from "canonicalize";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalJsonSha256, canonicalJsonStreamed } from "../../src/model/canonical-json.js";
import { computePlanHash, planWaves } from "../../src/planner/index.js";
import { arbitraryEstate } from "./arbitrary-estate.js";
import { inputs } from "./fixtures.js";

const RUNS = Number(process.env.FERRY_PROPERTY_RUNS ?? 400);

/** The text, or "throws": values RFC 8785 cannot represent must be refused by both. */
function outcome(write: (v: unknown) => string | undefined, v: unknown): string | undefined {
  try {
    return write(v);
  } catch {
    return "throws";
  }
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/** Awkward strings: every unit kind fast-check has, escapes, and pairs that sort differently by code point. */
const awkwardString = fc.oneof(
  fc.string({ unit: "binary" }),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: fc.constantFrom("\"", "\\", "\n", "\t", "\u0000", "\u001f", "\u007f", "\u2028", "\u2029", "é", "€", "\uFFFF", "\uD83D\uDE00", "a", "/") }),
  fc.constantFrom("\uD800", "\uDC00", "\uD83D", "\uFB33", "\u{1F600}", "\u00e9", "\u20ac"),
);
const awkwardNumber = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer(), fc.constantFrom(-0, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER + 2, 0.1 + 0.2, Infinity, Number.NaN));
const awkwardKey = fc.oneof(awkwardString, fc.constantFrom("10", "9", "-1", "1.5", "__proto__", "constructor", "\uFB33", "\u{1F600}", "hash", "waves"));

/**
 * A generated plan with its leaves swapped for awkward ones and awkward members added: the i-th
 * string and number get the i-th replacement, and objects take extra members in turn.
 */
function disguise(plan: unknown, strings: string[], numbers: number[], keys: [string, string][]): unknown {
  let s = 0;
  let n = 0;
  let k = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return s < strings.length ? strings[s++] : v;
    if (typeof v === "number") return n < numbers.length ? numbers[n++] : v;
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === "object" && v !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, member] of Object.entries(v)) out[key] = walk(member);
      // Up to three extra members per object, so awkward keys meet each other as well as the plan's.
      for (let extra = 0; extra < 3 && k < keys.length; extra++) {
        const [key, value] = keys[k++]!;
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
    return v;
  };
  return walk(plan);
}

describe("the streaming canonical encoder equals canonicalize (the reference)", () => {
  it("on generated plans: the same text, the same SHA-256 and so the same plan hash", () => {
    fc.assert(
      fc.property(arbitraryEstate(), (estate) => {
        const { hash, ...body } = planWaves(inputs(estate));
        const reference = canonicalize(body)!;
        expect(canonicalJsonStreamed(body)).toBe(reference);
        expect(canonicalJsonSha256(body)).toBe(sha256(reference));
        expect(hash).toBe(`sha256:${sha256(reference)}`);
        expect(computePlanHash({ ...body, hash })).toBe(hash);
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it("on generated plans with non-ASCII strings, escapes, awkward numbers and keys", () => {
    fc.assert(
      fc.property(arbitraryEstate(), fc.array(awkwardString, { maxLength: 40 }), fc.array(awkwardNumber, { maxLength: 20 }), fc.array(fc.tuple(awkwardKey, awkwardString), { maxLength: 20 }), (estate, strings, numbers, keys) => {
        const value = disguise(planWaves(inputs(estate)), strings, numbers, keys);
        const reference = outcome(canonicalize, value);
        expect(outcome(canonicalJsonStreamed, value)).toBe(reference);
        expect(outcome(canonicalJsonSha256, value)).toBe(reference === "throws" ? "throws" : sha256(reference!));
      }),
      { numRuns: Math.ceil(RUNS / 2) },
    );
  });

  it("on any JSON value, and on objects with numeric-looking and non-ASCII keys", () => {
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, awkwardNumber, awkwardString, fc.boolean(), fc.constant(null), fc.array(tie("node")), fc.dictionary(awkwardKey, tie("node"))),
    })).node;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), value), (v) => {
        const reference = outcome(canonicalize, v);
        expect(outcome(canonicalJsonStreamed, v)).toBe(reference);
        expect(outcome(canonicalJsonSha256, v)).toBe(reference === "throws" ? "throws" : reference === undefined ? undefined : sha256(reference));
      }),
      { numRuns: 3 * RUNS },
    );
  });

  it("streams a document larger than one chunk and leaves odd values to the library", () => {
    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ id: `app-${i}`, name: `Ünïcode “${i}”\n`, n: i / 7, ok: i % 2 === 0, none: null, skip: undefined })) };
    expect(canonicalJsonStreamed(big)).toBe(canonicalize(big));
    // eslint-disable-next-line no-sparse-arrays
    const odd: unknown[] = [[1, , 3], [undefined], { f: () => 1 }, new Map([["a", 1]]), { n: Object(5) }, { __proto__: null, b: 1 }, { "10": 1, "9": 2, a: 3 }, { d: new Date(0) }, { b: 1n }, { s: Symbol("x") }];
    for (const v of odd) expect(outcome(canonicalJsonStreamed, v)).toBe(outcome(canonicalize, v));
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJsonSha256(loop)).toThrow();
  });
});
