import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { canonicalJson } from "../../src/model/canonical-json.js";

/** The text, or "throws": lone surrogates in random strings must be refused by both. */
function outcome(write: (v: unknown) => string | undefined, v: unknown): string | undefined {
  try {
    return write(v);
  } catch {
    return "throws";
  }
}

describe("canonicalJson", () => {
  it("writes exactly what the canonicalize package writes for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes exactly what canonicalize writes for objects with numeric-looking and unicode keys", () => {
    const key = fc.oneof(fc.string({ unit: "binary" }), fc.nat().map(String), fc.constantFrom("10", "9", "-1", "1.5", "é", "\u{1F600}", "\u00e9"));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ unit: "binary" }), fc.boolean(), fc.constant(null), fc.array(tie("node")), fc.dictionary(key, tie("node"))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(outcome(canonicalJson, v)).toBe(outcome(canonicalize, v));
      }),
      { numRuns: 2000 },
    );
  });

  it("skips undefined members and writes undefined array entries as null, like canonicalize", () => {
    const value = { b: undefined, a: [undefined, 1, -0, 1e21, 5e-7], c: { toJSON: () => "x" } };
    expect(canonicalJson(value)).toBe(canonicalize(value));
  });

  it("writes what canonicalize writes for sparse arrays, functions, maps and boxed values", () => {
    // eslint-disable-next-line no-sparse-arrays
    const odd: unknown[] = [[1, , 3], { f: () => 1 }, [() => 1], new Map([["a", 1]]), { n: Object(5) }, { __proto__: null, b: 1 }, { "10": 1, "9": 2, a: 3 }];
    for (const value of odd) expect(outcome(canonicalJson, value)).toBe(outcome(canonicalize, value));
  });

  it("refuses what RFC 8785 cannot represent: NaN, infinities and lone surrogates", () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/NaN/);
    expect(() => canonicalJson([Infinity])).toThrow(/Infinity/);
    expect(() => canonicalJson({ a: "\uD800" })).toThrow(/surrogate/i);
    expect(() => canonicalJson({ "\uDC00": 1 })).toThrow(/surrogate/i);
    expect(canonicalJson("\uD83D\uDE00")).toBe(canonicalize("\uD83D\uDE00"));
  });

  it("refuses circular structures and values without a JSON form", () => {
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => canonicalJson(loop)).toThrow();
    expect(() => canonicalJson(undefined)).toThrow(/JSON form/);
  });

  it("refuses lone surrogates, cycles, NaN and Infinity like the canonicalize package", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    for (const bad of ["a\ud800b", "\udc00", { ["k\ud800"]: 1 }, cyclic, Number.NaN, -Infinity]) {
      expect(() => canonicalize(bad)).toThrow();
      expect(() => canonicalJson(bad)).toThrow();
    }
  });
});
