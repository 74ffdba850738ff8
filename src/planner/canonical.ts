import { createHash } from "node:crypto";
import canonicalize from "canonicalize";

/** RFC 8785 (JCS) canonical JSON of `value`, through the `canonicalize` package. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new Error("cannot canonicalise a value without a JSON form");
  return text;
}

/** `sha256:<hex>` of a string's UTF-8 bytes. */
export function sha256Tagged(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** A digest as `sha256:<hex>`, accepting bare hex (as the loader records file digests). */
export function tagDigest(digest: string): string {
  return digest.startsWith("sha256:") ? digest : `sha256:${digest}`;
}

/** The plan hash: SHA-256 of the canonical JSON of the plan without its `hash` member. */
export function computePlanHash(plan: Readonly<Record<string, unknown>>): string {
  const { hash: _hash, ...rest } = plan;
  return sha256Tagged(canonicalJson(rest));
}
