import canonicalize from "canonicalize";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventJson } from "../../src/journal/event-json.js";
import { canonicalJson } from "../../src/model/canonical-json.js";

/** The text, or "throws": values without a canonical form must be refused by both. */
function outcome(write: (v: unknown) => string | undefined, v: unknown): string | undefined {
  try {
    return write(v);
  } catch {
    return "throws";
  }
}

describe("eventJson", () => {
  it("writes exactly what canonicalJson and the canonicalize package write for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(eventJson(value)).toBe(canonicalize(value));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes the same for objects of one shape seen again, with numeric-looking, unicode and missing keys", () => {
    const key = fc.oneof(fc.string({ unit: "binary" }), fc.nat().map(String), fc.constantFrom("10", "9", "-1", "1.5", "é", "\u{1F600}", "__proto__", "toJSON"));
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: "small" }, fc.double(), fc.string({ unit: "binary" }), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.array(tie("node")), fc.dictionary(key, tie("node"))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        // Twice: the second call takes the cached shapes.
        expect(outcome(eventJson, v)).toBe(outcome(canonicalJson, v));
        expect(outcome(eventJson, v)).toBe(outcome(canonicalJson, v));
      }),
      { numRuns: 2000 },
    );
  });

  it("keeps members apart per shape: the same first key with different others", () => {
    const at = "2027-01-01T00:00:00.000Z";
    const a = { v: 1, at, run: "r", type: "step.started", app: "crm", step: "s1", attempt: 1, command: "true" };
    const b = { v: 1, at, run: "r", type: "step.succeeded", app: "crm", step: "s1", attempt: 1, outputs: { exitCode: 0, stdout: "ok" }, via: "action" };
    const c = { v: 1, at, run: "r", type: "step.started", app: "crm", step: "s1", attempt: 1, command: "true", gated: true };
    for (let i = 0; i < 3; i++) for (const e of [a, b, c, { ...a, command: undefined }]) expect(eventJson(e)).toBe(canonicalize(e));
  });

  it("hands what it does not write itself to canonicalJson: toJSON, class instances, sparse arrays, cycles", () => {
    class Secret {
      toJSON() {
        return "***";
      }
    }
    // eslint-disable-next-line no-sparse-arrays
    const odd: unknown[] = [{ s: new Secret() }, { d: new Date(0) }, [1, , 3], [undefined], { m: new Map([["a", 1]]) }, { __proto__: null, b: 1 }, { n: Number.NaN }, { s: "\uD800" }, { f: () => 1 }];
    for (const v of odd) expect(outcome(eventJson, v)).toBe(outcome(canonicalJson, v));
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => eventJson(loop)).toThrow();
  });
});
