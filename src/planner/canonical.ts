import { createHash } from "node:crypto";
import { canonicalJson, canonicalJsonSha256 } from "../model/canonical-json.js";

export { canonicalJson };

/** `sha256:<hex>` of a string's UTF-8 bytes. */
export function sha256Tagged(text: string): string {
  return `sha256:${createHash("sha256").update(text, "utf8").digest("hex")}`;
}

/** A digest as `sha256:<hex>`, accepting bare hex (as the loader records file digests). */
export function tagDigest(digest: string): string {
  return digest.startsWith("sha256:") ? digest : `sha256:${digest}`;
}

/**
 * The plan hash: SHA-256 of the canonical JSON of the plan without its `hash` member. The
 * canonical text is hashed as the streaming encoder writes it (model/canonical-json.ts), which a
 * property test holds byte-identical to the `canonicalize` package on generated plans.
 */
export function computePlanHash(plan: Readonly<Record<string, unknown>>): string {
  const { hash: _hash, ...rest } = plan;
  return `sha256:${canonicalJsonSha256(rest)}`;
}
