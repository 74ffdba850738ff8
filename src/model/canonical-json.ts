/**
 * RFC 8785 canonical JSON, the one form hashed everywhere: plan hashes, inputs digests and
 * journal record checksums. The `canonicalize` package is the reference; this module only adds
 * a fast path that is byte-identical to it.
 */
import canonicalize from "canonicalize";

/** Any UTF-16 surrogate: a cheap pre-test before the exact lone-surrogate test. */
const SURROGATE = /[\uD800-\uDFFF]/;
/** A lone surrogate: with `u`, a valid pair is one code point, so only lone halves match `Cs`. */
const LONE_SURROGATE = /\p{Cs}/u;
/** Property names JSON.stringify would not write in insertion order (array indices) or cannot set. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** Thrown inside the fast path when a value needs `canonicalize` itself. */
const USE_LIBRARY = Symbol("use the canonicalize package");

function checkString(text: string): void {
  if (SURROGATE.test(text) && LONE_SURROGATE.test(text)) throw USE_LIBRARY;
}

/**
 * A JSON.stringify replacer that hands each object over with its keys in RFC 8785 order (UTF-16
 * code units, as `Object.keys(o).sort()`), so the native serialiser writes the canonical form:
 * numbers and strings are already written by the same JSON.stringify the library uses. Anything
 * whose output could differ from the library's goes to the library instead: non-finite numbers,
 * lone surrogates (both refused by RFC 8785), sparse arrays, array-index keys (JSON.stringify writes those
 * first), `__proto__`, functions, bigints and `toJSON` methods.
 */
function sortKeys(_key: string, value: unknown): unknown {
  switch (typeof value) {
    case "string":
      checkString(value);
      return value;
    case "number":
      if (!Number.isFinite(value)) throw USE_LIBRARY;
      return value;
    case "boolean":
    case "undefined":
    case "symbol":
      return value;
    case "object":
      if (value === null) return value;
      if (Array.isArray(value)) {
        // The library writes a hole as nothing at all, JSON.stringify as null.
        for (let i = 0; i < value.length; i++) if (!(i in value)) throw USE_LIBRARY;
        return value;
      }
      return sortedCopy(value as Record<string, unknown>);
    default:
      throw USE_LIBRARY;
  }
}

function sortedCopy(object: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(object).sort();
  const copy: Record<string, unknown> = {};
  for (const key of keys) {
    const member = object[key];
    if (ARRAY_INDEX.test(key) || key === "__proto__") throw USE_LIBRARY;
    checkString(key);
    if (typeof member === "object" && member !== null && typeof (member as { toJSON?: unknown }).toJSON === "function") throw USE_LIBRARY;
    copy[key] = member;
  }
  return copy;
}

/**
 * RFC 8785 (JCS) canonical JSON of `value`, byte-identical to the `canonicalize` package. Plain
 * plan data takes a fast path (one native JSON.stringify whose replacer sorts each object's
 * keys, about three times faster than the library on a 100k-application plan and on every
 * journal record); anything else is handed to the library.
 * test/model/canonical-json.test.ts checks equality with the library on random JSON values.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    if (typeof value === "object" && value !== null && typeof (value as { toJSON?: unknown }).toJSON === "function") throw USE_LIBRARY;
    text = JSON.stringify(value, sortKeys);
  } catch (err) {
    // Circular and over-deep structures also land here; the library names the problem.
    if (err !== USE_LIBRARY && !(err instanceof RangeError) && !(err instanceof TypeError)) throw err;
    text = canonicalize(value);
  }
  if (text === undefined) throw new TypeError("cannot canonicalise a value without a JSON form (undefined, a function or a symbol)");
  return text;
}
