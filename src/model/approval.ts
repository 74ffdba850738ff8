import { z } from "zod";
import { canonicalJson } from "./canonical-json.js";
import { API_VERSION, Id } from "./common.js";
import { SHA256_TAGGED } from "./plan-hash.js";

/** An OpenSSH signature (SSHSIG, namespace `ferry-approval`) over an approval's other fields. */
export const ApprovalSignature = z.strictObject({
  /** The signing key's fingerprint, `SHA256:…` (informational: the signature carries the key). */
  key: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, "must be a key fingerprint SHA256:…"),
  /** The armored signature, `-----BEGIN SSH SIGNATURE-----` … */
  sshsig: z.string().includes("-----BEGIN SSH SIGNATURE-----", { message: "must be an armored SSH signature" }),
});

/**
 * `approvals/<plan-hash-hex>-wave-<n>.yaml` (or `…-wave-<n>-<organisation>.yaml` where the wave
 * involves organisations), written by `ferry approve`.
 */
export const Approval = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Approval"),
  /** The approved plan's hash, `sha256:<hex>`. */
  plan: z.string().regex(SHA256_TAGGED, "must be the plan hash sha256:<hex>"),
  wave: z.number().int().min(1),
  /** The organisation whose board approves, where the wave's applications name organisations. */
  organisation: Id.optional(),
  /** Who approved: with a signature, the signer's principal in allowed_signers. */
  approvedBy: z.string().min(1),
  changeRef: z.string().min(1),
  approvedAt: z.string().datetime({ offset: true }),
  /** The plan's inputs digest at approval time; a run refuses if the inputs drifted since. */
  inputsDigest: z.string().regex(SHA256_TAGGED).optional(),
  /** The approver's SSH signature over every other field (see {@link approvalSignedText}). */
  signature: ApprovalSignature.optional(),
});
export type Approval = z.infer<typeof Approval>;
export type ApprovalSignature = z.infer<typeof ApprovalSignature>;

/**
 * The exact bytes an approval's signature covers: the RFC 8785 canonical JSON of the approval
 * without its `signature`. Any edit of any field (the plan, wave, date, approver) breaks it.
 */
export function approvalSignedText(a: Approval): string {
  const { signature: _signature, ...signed } = a;
  return canonicalJson(signed);
}
