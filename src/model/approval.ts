import { z } from "zod";
import { API_VERSION } from "./common.js";
import { SHA256_TAGGED } from "./plan-hash.js";

/** `approvals/<plan-hash-hex>-wave-<n>.yaml`, written by `ferry approve`. */
export const Approval = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Approval"),
  /** The approved plan's hash, `sha256:<hex>`. */
  plan: z.string().regex(SHA256_TAGGED, "must be the plan hash sha256:<hex>"),
  wave: z.number().int().min(1),
  approvedBy: z.string().min(1),
  changeRef: z.string().min(1),
  approvedAt: z.string().datetime({ offset: true }),
  /** The plan's inputs digest at approval time; a run refuses if the inputs drifted since. */
  inputsDigest: z.string().regex(SHA256_TAGGED).optional(),
});
export type Approval = z.infer<typeof Approval>;
