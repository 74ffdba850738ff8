/**
 * RFC 8785 canonical JSON, the one form hashed everywhere: plan hashes, inputs digests and
 * journal record checksums. The `canonicalize` package is the reference; this module only adds
 * a fast path that is byte-identical to it.
 */
import { createHash } from "node:crypto";
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

/**
 * An object's members in RFC 8785 order: each key with its JSON text and the prefix the encoder
 * writes before the member's value (`"key":`, or `,"key":` after the first).
 */
interface SortedMembers {
  keys: string[];
  first: string[];
  next: string[];
}

/** One sorted member list per distinct key list seen, found by the first key. */
class SortedKeys {
  private readonly cache = new Map<string, { keys: string[]; sorted: SortedMembers }[]>();

  /** The members of `object` in canonical order; USE_LIBRARY for keys the fast path leaves alone. */
  of(object: object): SortedMembers {
    const keys = Object.keys(object);
    const head = keys.length === 0 ? "" : keys[0]!;
    let bucket = this.cache.get(head);
    if (bucket) {
      next: for (const entry of bucket) {
        if (entry.keys.length !== keys.length) continue;
        // Property names are internalised strings, so this comparison is by pointer.
        for (let i = 1; i < keys.length; i++) if (entry.keys[i] !== keys[i]) continue next;
        return entry.sorted;
      }
    } else this.cache.set(head, (bucket = []));
    const order = [...keys].sort();
    const sorted: SortedMembers = { keys: order, first: [], next: [] };
    for (const key of order) {
      if (ARRAY_INDEX.test(key) || key === "__proto__") throw USE_LIBRARY;
      checkString(key);
      const text = JSON.stringify(key);
      sorted.first.push(`${text}:`);
      sorted.next.push(`,${text}:`);
    }
    if (bucket.length < 16) bucket.push({ keys, sorted });
    return sorted;
  }
}

/** How many UTF-16 code units to gather before handing them to the sink. */
const CHUNK = 1 << 16;

/**
 * RFC 8785 canonical JSON of `value`, handed to `write` in chunks of about 64K code units as it
 * is produced, so a hash can digest a large document while it is being written and the whole
 * text never exists at once. Specialised for plain data such as a plan: objects, arrays,
 * strings, finite numbers, booleans and null, undefined members left out. It writes what
 * canonicalJson (and so the `canonicalize` package) writes: strings and numbers through the
 * same JSON.stringify, object keys sorted by UTF-16 code units. Anything else (toJSON, sparse
 * arrays, undefined array entries, array-index keys, `__proto__`, lone surrogates, non-finite
 * numbers, bigints, functions, class instances) throws USE_LIBRARY, possibly after some chunks
 * were written: callers start over with canonicalJson, which writes or refuses such values
 * exactly as the library does.
 */
function writeCanonical(value: unknown, write: (chunk: string) => void): void {
  const keysOf = new SortedKeys();
  let buffer = "";
  let depth = 0;
  const encode = (v: unknown): void => {
    switch (typeof v) {
      case "string": {
        const text = JSON.stringify(v);
        // Only escapes make the text longer than the string and its quotes; lone surrogates are escapes.
        if (text.length !== v.length + 2) checkString(v);
        buffer += text;
        return;
      }
      case "number":
        if (!Number.isFinite(v)) throw USE_LIBRARY;
        buffer += v; // ToString, as JSON.stringify writes a finite number (-0 as 0)
        return;
      case "boolean":
        buffer += v ? "true" : "false";
        return;
      case "object":
        break;
      default:
        throw USE_LIBRARY;
    }
    if (v === null) {
      buffer += "null";
      return;
    }
    if (++depth > 1000) throw USE_LIBRARY; // circular or very deep: the library decides
    if (Array.isArray(v)) {
      buffer += "[";
      for (let i = 0; i < v.length; i++) {
        if (i > 0) buffer += ",";
        const item: unknown = v[i];
        if (item === undefined) throw USE_LIBRARY; // a hole or undefined: the library decides
        encode(item);
      }
      buffer += "]";
    } else {
      const proto: unknown = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw USE_LIBRARY;
      if (typeof (v as { toJSON?: unknown }).toJSON === "function") throw USE_LIBRARY;
      const object = v as Record<string, unknown>;
      const members = keysOf.of(object);
      buffer += "{";
      let prefix = members.first;
      for (let i = 0; i < members.keys.length; i++) {
        const member = object[members.keys[i]!];
        if (member === undefined) continue;
        buffer += prefix[i]!;
        prefix = members.next;
        encode(member);
      }
      buffer += "}";
    }
    depth--;
    if (buffer.length >= CHUNK) {
      write(buffer);
      buffer = "";
    }
  };
  encode(value);
  if (buffer.length > 0) write(buffer);
}

/**
 * The same text as {@link canonicalJson}, written by the streaming encoder (falling back to
 * canonicalJson for values it leaves to the library). For tests and callers that need the text;
 * {@link canonicalJsonSha256} digests it without keeping it.
 */
export function canonicalJsonStreamed(value: unknown): string {
  const chunks: string[] = [];
  try {
    writeCanonical(value, (chunk) => chunks.push(chunk));
  } catch (err) {
    if (err !== USE_LIBRARY) throw err;
    return canonicalJson(value);
  }
  return chunks.join("");
}

/**
 * SHA-256 (hex) of the UTF-8 bytes of the canonical JSON of `value`, hashed chunk by chunk while
 * the streaming encoder writes it: the same digest as hashing canonicalJson(value), without
 * building the whole text (25 MB for a 100k-application plan) or a sorted copy of every object.
 * test/planner/plan-encoder.property.test.ts holds it equal to hashing `canonicalize`'s output.
 */
export function canonicalJsonSha256(value: unknown): string {
  let hash = createHash("sha256");
  try {
    writeCanonical(value, (chunk) => hash.update(chunk, "utf8"));
  } catch (err) {
    if (err !== USE_LIBRARY) throw err;
    hash = createHash("sha256").update(canonicalJson(value), "utf8");
  }
  return hash.digest("hex");
}
