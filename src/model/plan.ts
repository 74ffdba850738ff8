import { z } from "zod";
import { API_VERSION, Id, IsoDate } from "./common.js";

const Sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 hex digits>");

export const PlannedApplication = z.object({
  id: Id,
  runbook: Id,
  /** The placement group (together-links and order cycles) this application moved with. */
  group: z.string(),
  site: Id.nullable(),
  target: Id.nullable(),
});

export const Wave = z.object({
  number: z.number().int().min(1),
  date: IsoDate,
  window: z.object({ start: z.string(), end: z.string() }),
  applications: z.array(PlannedApplication),
  load: z.object({ applications: z.number(), effort: z.number(), users: z.number() }),
});

export const Warning = z.object({
  code: z.string(),
  message: z.string(),
  applications: z.array(z.string()).optional(),
});

/** `plans/<name>.json`: deterministic; `hash` covers everything else (RFC 8785 canonical JSON). */
export const Plan = z.looseObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Plan"),
  inputsDigest: Sha256,
  waves: z.array(Wave),
  unplaced: z.array(z.object({ application: Id, reason: z.string() })),
  warnings: z.array(Warning),
  hash: Sha256,
});

export type PlannedApplication = z.infer<typeof PlannedApplication>;
export type Wave = z.infer<typeof Wave>;
export type PlanWarning = z.infer<typeof Warning>;
export type Plan = z.infer<typeof Plan>;
