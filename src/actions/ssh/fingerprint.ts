import { createHash } from "node:crypto";

/** The key type named inside an SSH public key blob (its first SSH string), e.g. `ssh-ed25519`. */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return "unknown";
  const len = blob.readUInt32BE(0);
  if (len > 64 || 4 + len > blob.length) return "unknown";
  return blob.subarray(4, 4 + len).toString("latin1");
}

/** A key's fingerprint as OpenSSH prints it: `SHA256:` and unpadded base64. */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** The short key-type label OpenSSH uses in messages (`ED25519`, `ECDSA`, `RSA`). */
export function keyLabel(type: string): string {
  if (type === "ssh-ed25519") return "ED25519";
  if (type.startsWith("ecdsa-sha2-")) return "ECDSA";
  if (type === "ssh-rsa") return "RSA";
  if (type === "ssh-dss") return "DSA";
  if (type.startsWith("sk-ssh-ed25519")) return "ED25519-SK";
  if (type.startsWith("sk-ecdsa")) return "ECDSA-SK";
  return type;
}

/** `ED25519 SHA256:…`: how a key is named in ferry's messages. */
export function describeKey(blob: Buffer): string {
  return `${keyLabel(keyTypeOf(blob))} ${sha256Fingerprint(blob)}`;
}

/**
 * Host-key algorithm names that negotiate a key of this known_hosts type, so the client can
 * ask first for the type it already trusts (as OpenSSH does) instead of failing on another.
 */
export function algorithmsForKeyType(type: string): string[] {
  if (type === "ssh-rsa") return ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"];
  return [type];
}
