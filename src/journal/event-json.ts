/**
 * The canonical JSON (RFC 8785) of one journal event, on the path every record takes before it
 * is hashed and written. It writes exactly what `canonicalJson` (and so the `canonicalize`
 * package) writes, and hands every value it is not sure of to `canonicalJson`.
 *
 * Why not `canonicalJson` itself: its fast path is one JSON.stringify whose replacer copies
 * each object with its keys sorted, so every member of every record calls back from the
 * serialiser into JavaScript and every object is copied. A run's events have a few dozen
 * shapes (`step.started`, `step.succeeded`, …), so here each shape's sorted key order and the
 * `"key":` texts are worked out once and reused: about three times faster per record, which
 * matters at two records per step.
 */
import { canonicalJson } from "../model/canonical-json.js";

/** Thrown inside the encoder for a value it leaves to `canonicalJson`. */
const FALLBACK = Symbol("leave it to canonicalJson");

/** Any UTF-16 surrogate: a string that has one may hold a lone half, which canonicalJson refuses. */
const SURROGATE = /[\uD800-\uDFFF]/;
/** Keys JSON.stringify writes before the others (array indices), or that cannot be set as own. */
const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;

/** One object shape: its keys as Object.keys lists them, sorted, and the text before each value. */
interface Shape {
  keys: string[];
  sorted: string[];
  /** `"key":` for the first member written. */
  first: string[];
  /** `,"key":` for the others. */
  next: string[];
}

/** Shapes seen, by their first key. Bounded: outputs of actions can bring keys of their own. */
const shapes = new Map<string, Shape[]>();
const MAX_HEADS = 1024;
const MAX_PER_HEAD = 128;

function shapeOf(object: object): Shape {
  const keys = Object.keys(object);
  const head = keys.length === 0 ? "" : keys[0]!;
  let bucket = shapes.get(head);
  if (bucket) {
    next: for (const shape of bucket) {
      if (shape.keys.length !== keys.length) continue;
      for (let i = 1; i < keys.length; i++) if (shape.keys[i] !== keys[i]) continue next;
      return shape;
    }
  }
  const sorted = [...keys].sort();
  const shape: Shape = { keys, sorted, first: [], next: [] };
  for (const key of sorted) {
    if (ARRAY_INDEX.test(key) || key === "__proto__" || SURROGATE.test(key)) throw FALLBACK;
    const text = JSON.stringify(key);
    shape.first.push(`${text}:`);
    shape.next.push(`,${text}:`);
  }
  if (!bucket && shapes.size < MAX_HEADS) shapes.set(head, (bucket = []));
  if (bucket && bucket.length < MAX_PER_HEAD) bucket.push(shape);
  return shape;
}

function encode(value: unknown, depth: number): string {
  switch (typeof value) {
    case "string": {
      const text = JSON.stringify(value);
      // Only escapes lengthen the text beyond the string and its quotes; lone surrogates are escapes.
      if (text.length !== value.length + 2 && SURROGATE.test(value)) throw FALLBACK;
      return text;
    }
    case "number":
      if (!Number.isFinite(value)) throw FALLBACK;
      return String(value); // what JSON.stringify writes for a finite number (-0 as 0)
    case "boolean":
      return value ? "true" : "false";
    case "object":
      break;
    default:
      throw FALLBACK; // undefined at the top or in an array, functions, symbols, bigints
  }
  if (value === null) return "null";
  if (depth > 64) throw FALLBACK; // deep or circular: canonicalJson decides
  if (Array.isArray(value)) {
    let text = "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) text += ",";
      text += encode(value[i], depth + 1);
    }
    return `${text}]`;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) throw FALLBACK; // Dates, Maps, class instances
  const object = value as Record<string, unknown>;
  if (typeof object.toJSON === "function") throw FALLBACK;
  const shape = shapeOf(object);
  let text = "{";
  let prefix = shape.first;
  for (let i = 0; i < shape.sorted.length; i++) {
    const member = object[shape.sorted[i]!];
    if (member === undefined) continue; // left out, as JSON.stringify and canonicalize do
    text += prefix[i]!;
    prefix = shape.next;
    text += encode(member, depth + 1);
  }
  return `${text}}`;
}

/**
 * RFC 8785 canonical JSON of a journal event: byte-identical to `canonicalJson(event)`, and
 * throws what it throws for a value without a canonical form.
 *
 * @example
 * eventJson({ type: "step.started", app: "crm" }) // '{"app":"crm","type":"step.started"}'
 */
export function eventJson(event: unknown): string {
  try {
    return encode(event, 0);
  } catch (err) {
    if (err !== FALLBACK && !(err instanceof RangeError)) throw err;
    return canonicalJson(event);
  }
}
