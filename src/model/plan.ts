import { z } from "zod";
import { API_VERSION, Id, IsoDate } from "./common.js";
import { SHA256_TAGGED } from "./plan-hash.js";

const Sha256 = z.string().regex(SHA256_TAGGED, "must be sha256:<64 hex digits>");

// Loose objects throughout: a plan may carry more members than these (docs/formats.md, "Plan
// file", allows it), and parsing must never strip them, or the re-serialised plan would no longer
// match its hash.
/**
 * One application of a wave: what the plan decides (its wave, runbook, group, source and
 * target), and what a reviewer needs to read a diff without the estate. Names, owners,
 * criticality, users and effort are the estate's, which the plan pins by digest
 * (`estateDigest`): the pack reads them from there, so the plan does not carry a second copy.
 */
export const PlannedApplication = z.looseObject({
  id: Id,
  runbook: Id,
  /** The placement group (together-links and order cycles) this application moves with; absent when it moves alone. */
  group: z.string().optional(),
  site: Id.nullable(),
  target: Id.nullable(),
  /** A blackout pushed this application out of an earlier wave that had room: its event (or reason) and that wave's date. */
  deferredBy: z.looseObject({ blackout: z.string(), reason: z.string(), skipped: IsoDate }).optional(),
});

/** A planned change that is not an application's migration: today, a network's re-addressing. */
export const PlannedChange = z.looseObject({
  /** `reip-<network id>`. */
  id: z.string(),
  kind: z.literal("reip"),
  runbook: Id,
  network: Id,
  site: Id,
  legacyPrefix: z.string(),
  /** From `ferry network`'s mapping; null without a target stack or a free block. */
  newPrefix: z.string().nullable(),
  /** The network device the runbook runs on; null when the estate names none. */
  host: z.string().nullable(),
  /** The applications that move only after it (in later waves), by id. */
  before: z.array(Id),
});

/** A data set's decision, listed with the wave its application moves in. */
export const PlannedDataset = z.looseObject({
  id: Id,
  application: Id,
  decision: z.string(),
  sizeGb: z.number(),
  retainUntil: z.string().optional(),
});

export const Wave = z.looseObject({
  number: z.number().int().min(1),
  date: IsoDate,
  window: z.looseObject({ start: z.string(), end: z.string() }),
  applications: z.array(PlannedApplication),
  load: z.looseObject({
    applications: z.number(),
    effort: z.number(),
    users: z.number(),
    /** Applications per source site in this wave. */
    sites: z.record(z.string(), z.number()).optional(),
  }),
  datasets: z.array(PlannedDataset).optional(),
  /** Re-IP changes run in this wave, before the applications that need them move. */
  changes: z.array(PlannedChange).optional(),
  /**
   * The wave simulated as the engine would run it, from estimates and actuals (docs/formats.md,
   * "Plan file", `timing`). Durations in milliseconds, times ISO 8601 with the window's offset.
   */
  timing: z
    .looseObject({
      p50Ms: z.number(),
      p90Ms: z.number(),
      windowMs: z.number(),
      fits: z.boolean(),
      windowEndsAt: z.string(),
      endsAtP50: z.string(),
      endsAtP90: z.string(),
      rollbackP90Ms: z.number(),
      rollbackDecisionAt: z.string(),
      criticalPath: z.array(z.looseObject({ application: z.string(), steps: z.array(z.string()) })),
      criticalPathLength: z.number(),
      estimates: z.looseObject({ estimate: z.number(), actuals: z.number(), default: z.number() }),
    })
    .optional(),
  /** Set on a wave kept from an earlier plan (`ferry plan --keep`): that plan's hash and wave number. */
  kept: z.looseObject({ plan: Sha256, wave: z.number().int().min(1), because: z.string() }).optional(),
});

export const Warning = z.looseObject({
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
  unplaced: z.array(z.looseObject({ application: Id, reason: z.string(), group: z.string().optional() })),
  warnings: z.array(Warning),
  hash: Sha256,
  /** Digest of the merged estate files (`sha256:<hex>`); part of `inputsDigest`. */
  estateDigest: Sha256.optional(),
  /** Every stack config's file digest by environment name; part of `inputsDigest`. */
  stacks: z.record(z.string(), Sha256).optional(),
  /** The digest of every runbook the plan's waves use, by name; part of `inputsDigest`. */
  runbooks: z.record(z.string(), Sha256).optional(),
  /** The stack whose target address plan the `reip-required` warnings were checked against. */
  targetStack: z.string().nullable().optional(),
  /**
   * What the waves' timing assumed: the run's limits, and the measured step durations it used
   * (by `<runbook>/<step>`), recorded so that re-planning reproduces this plan whatever runs
   * have happened since.
   */
  timing: z
    .looseObject({
      limits: z.looseObject({ concurrency: z.number(), perSite: z.number().optional(), perHost: z.number().optional() }),
      minActuals: z.number(),
      actuals: z.record(z.string(), z.looseObject({ count: z.number(), rehearsals: z.number(), real: z.number(), p50Ms: z.number(), p90Ms: z.number() })),
    })
    .optional(),
  /** The earlier plan whose approved or run waves this plan keeps (`ferry plan --keep`). */
  keep: z
    .looseObject({
      file: z.string(),
      plan: Sha256,
      waves: z.array(z.looseObject({ wave: z.number().int().min(1), date: IsoDate, because: z.string() })),
    })
    .optional(),
  /** Applications of the earlier plan (outside kept waves) whose wave changed, and why. */
  moved: z
    .array(
      z.looseObject({
        application: Id,
        from: z.looseObject({ wave: z.number(), date: IsoDate }).nullable(),
        to: z.looseObject({ wave: z.number(), date: IsoDate }).nullable(),
        why: z.string(),
      }),
    )
    .optional(),
  /** The calendar the waves were cut from, so the pack can draw slots and freezes. */
  calendar: z
    .looseObject({
      firstWave: IsoDate,
      cadenceDays: z.number(),
      horizonWaves: z.number(),
      lastSlot: IsoDate.nullable(),
      window: z.looseObject({ start: z.string(), end: z.string(), timezone: z.string() }),
      freezes: z.array(z.looseObject({ from: IsoDate, to: IsoDate, reason: z.string() })),
      capacity: z.record(z.string(), z.number()),
    })
    .nullable()
    .optional(),
});

export type PlannedApplication = z.infer<typeof PlannedApplication>;
export type PlannedDataset = z.infer<typeof PlannedDataset>;
export type PlannedChange = z.infer<typeof PlannedChange>;
export type Wave = z.infer<typeof Wave>;
export type PlanWarning = z.infer<typeof Warning>;
export type Plan = z.infer<typeof Plan>;
