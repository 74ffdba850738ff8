import { z } from "zod";
import { API_VERSION } from "./common.js";

/** `approvals/<plan-hash-hex>-wave-<n>.yaml`, written by `ferry approve`. */
export const Approval = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Approval"),
  /** The approved plan's hash, `sha256:<hex>`. */
  plan: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be the plan hash sha256:<hex>"),
  wave: z.number().int().min(1),
  approvedBy: z.string().min(1),
  changeRef: z.string().min(1),
  approvedAt: z.string().datetime({ offset: true }),
  /** The plan's inputs digest at approval time; a run refuses if the inputs drifted since. */
  inputsDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/).optional(),
});
export type Approval = z.infer<typeof Approval>;
