import { z } from "zod";
import { API_VERSION, ClockTime, Id, IpAddress, IsoDate, Prefix, StringMap } from "./common.js";
import { EstimateSpec } from "./runbook.js";

export const Criticality = z.enum(["critical", "high", "medium", "low"]);
export const Delivery = z.enum(["citrix", "desktop", "web", "saas", "server"]);
export const Disposition = z.enum(["rehost", "replatform", "repurchase", "relocate", "retire", "retain"]);
export const SiteKind = z.enum(["datacentre", "office", "cloud", "colocation"]);
export const OsKind = z.enum(["linux", "windows", "appliance", "network-device"]);
export const DataDecision = z.enum(["migrate", "archive", "destroy"]);

/** Dispositions that put an application into a plan; `retain` never moves. */
export const PLANNED_DISPOSITIONS = ["rehost", "replatform", "repurchase", "relocate", "retire"] as const;

export const Organisation = z.strictObject({
  id: Id,
  name: z.string().min(1),
  /** The organisation that inherits this one's services (e.g. a predecessor council's successor). */
  successor: Id.optional(),
});

export const Site = z.strictObject({
  id: Id,
  name: z.string().min(1),
  kind: SiteKind,
  organisation: Id.optional(),
  /** The site's exit deadline; the planner places its applications on or before it. */
  closes: IsoDate.optional(),
  /** Azure region for `cloud` sites (e.g. uksouth). */
  region: z.string().optional(),
});

export const Network = z.strictObject({
  id: Id,
  site: Id,
  prefix: Prefix,
  vlan: z.number().int().min(1).max(4094).optional(),
  purpose: z.string().optional(),
});

export const SshReach = z.strictObject({
  user: z.string().min(1).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Id of the jump host this host is reached through (ProxyJump). */
  via: Id.optional(),
});

export const Host = z.strictObject({
  id: Id,
  site: Id,
  address: IpAddress,
  os: OsKind,
  ssh: SshReach.optional(),
  /** Extra names the host answers to (DNS, NetBIOS); informational. */
  aliases: z.array(z.string()).optional(),
});

export const Dependency = z.strictObject({
  app: Id,
  /** Latency-sensitive: both applications must move in the same wave. */
  together: z.boolean().optional(),
  /** `none` records the link for diagrams without constraining the schedule. */
  order: z.enum(["before", "none"]).optional(),
  note: z.string().optional(),
});

export const Blackout = z.strictObject({ from: IsoDate, to: IsoDate, reason: z.string().min(1) });

/**
 * One entry of an application's `blackouts`: the name of an event in `calendar.events`
 * (`council-tax-billing`), or a date range of its own.
 */
export const BlackoutRef = z.union([Id, Blackout]);

/**
 * A named calendar event (`calendar.events.<name>`): a date range, optionally repeated every
 * year (`every: year`), or a list of dates (`on:`, e.g. polling days) each widened by
 * `daysBefore`/`daysAfter` (a pre-election period and the count).
 */
export const CalendarEvent = z.union([
  z.strictObject({
    from: IsoDate,
    to: IsoDate,
    /** `year`: the same month and day every year, from the first wave to the end of the horizon. */
    every: z.literal("year").optional(),
    reason: z.string().min(1),
  }),
  z.strictObject({
    on: z.array(IsoDate).min(1),
    daysBefore: z.number().int().min(0).default(0),
    daysAfter: z.number().int().min(0).default(0),
    reason: z.string().min(1),
  }),
]);

export const Application = z.strictObject({
  id: Id,
  name: z.string().min(1),
  organisation: Id.optional(),
  owner: z.string().min(1),
  criticality: Criticality,
  users: z.number().int().min(0).default(0),
  delivery: Delivery,
  disposition: Disposition,
  /** The site the application moves to; required unless it is retired or retained. */
  target: Id.optional(),
  hosts: z.array(Id).default([]),
  runbook: Id.optional(),
  params: StringMap.optional(),
  /**
   * This application's own estimates of its runbook's steps, by step (precheck, verify) id:
   * `{ presync: 3h }` for a data set far bigger than the runbook's estimate assumes.
   */
  estimates: z.record(Id, EstimateSpec).optional(),
  /** Planning points; the calendar's `capacity.effort` caps their sum per wave. */
  effort: z.number().int().min(0).default(1),
  dependsOn: z.array(Dependency).default([]),
  /** Event names from `calendar.events`, or date ranges of the application's own. */
  blackouts: z.array(BlackoutRef).default([]),
  /** The supplier's support for the current platform ends: the application must move by then. */
  supportEnds: IsoDate.optional(),
  /** The current hosting or licence contract ends: the application must move by then. */
  contractEnds: IsoDate.optional(),
  /**
   * The organisations whose change boards must approve the wave this application moves in (a
   * shared service: every partner). Default: its own `organisation`.
   */
  approvalFrom: z.array(Id).min(1).optional(),
});

export const Dataset = z.strictObject({
  id: Id,
  application: Id,
  sizeGb: z.number().min(0),
  retainUntil: IsoDate.optional(),
  retentionClass: z.string().optional(),
  decision: DataDecision,
});

export const Freeze = z.strictObject({ from: IsoDate, to: IsoDate, reason: z.string().min(1) });

export const Capacity = z.strictObject({
  applications: z.number().int().min(1).optional(),
  effort: z.number().int().min(1).optional(),
  users: z.number().int().min(1).optional(),
  /** Applications per source site in one wave: protects each site's WAN link. */
  perSite: z.number().int().min(1).optional(),
});

export const Calendar = z.strictObject({
  firstWave: IsoDate,
  cadenceDays: z.number().int().min(1),
  window: z.strictObject({
    start: ClockTime,
    end: ClockTime,
    timezone: z.string().min(1).default("Europe/London"),
  }),
  horizonWaves: z.number().int().min(1).max(10_000).default(52),
  freezes: z.array(Freeze).default([]),
  capacity: Capacity.default({}),
  /**
   * The limits the waves will be run with (`ferry run --concurrency`, `--per-site`, `--per-host`):
   * the plan simulates each wave under them to tell whether it fits its window.
   */
  runLimits: z
    .strictObject({
      concurrency: z.number().int().min(1).optional(),
      perSite: z.number().int().min(1).optional(),
      perHost: z.number().int().min(1).optional(),
    })
    .optional(),
  /** Named events applications refer to in their `blackouts` (billing, elections, year end). */
  events: z.record(Id, CalendarEvent).optional(),
  /**
   * An earlier plan file (relative to the project) whose approved or run waves every re-plan
   * keeps, as `ferry plan --keep` does.
   */
  keep: z.string().min(1).optional(),
});

/** Change control for runs of this estate (extension: see README, "Approvals"). */
export const ChangeControl = z.strictObject({
  /** When true, `ferry run` refuses a wave without a change-board approval file. */
  requireApproval: z.boolean().default(false),
  /**
   * When true, an approval (and a gate release) counts only with an OpenSSH signature that
   * verifies against `approvals/allowed_signers` (see docs/approvals.md).
   */
  requireSignedApprovals: z.boolean().default(false),
  /** Roles (principals in allowed_signers) of which a signer must hold one to approve a wave, e.g. `[cab]`. */
  approvers: z.array(z.string().min(1)).min(1).optional(),
  /** An organisation's own approver roles, where its board is not the one `approvers` names. */
  organisations: z.record(Id, z.strictObject({ approvers: z.array(z.string().min(1)).min(1) })).optional(),
});

/** One `estate/*.yaml` file. All files in the folder merge into one estate. */
export const EstateFile = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Estate"),
  organisations: z.array(Organisation).optional(),
  sites: z.array(Site).optional(),
  networks: z.array(Network).optional(),
  hosts: z.array(Host).optional(),
  applications: z.array(Application).optional(),
  datasets: z.array(Dataset).optional(),
  calendar: Calendar.optional(),
  changeControl: ChangeControl.optional(),
});

export type Organisation = z.infer<typeof Organisation>;
export type Site = z.infer<typeof Site>;
export type Network = z.infer<typeof Network>;
export type Host = z.infer<typeof Host>;
export type Dependency = z.infer<typeof Dependency>;
export type Blackout = z.infer<typeof Blackout>;
export type BlackoutRef = z.infer<typeof BlackoutRef>;
export type CalendarEvent = z.infer<typeof CalendarEvent>;
export type Application = z.infer<typeof Application>;
export type Dataset = z.infer<typeof Dataset>;
export type Freeze = z.infer<typeof Freeze>;
export type Calendar = z.infer<typeof Calendar>;
export type Capacity = z.infer<typeof Capacity>;
export type EstateFile = z.infer<typeof EstateFile>;
export type Criticality = z.infer<typeof Criticality>;
export type Delivery = z.infer<typeof Delivery>;
export type Disposition = z.infer<typeof Disposition>;

/** The merged estate: every `estate/*.yaml` file's lists concatenated, one calendar. */
export interface Estate {
  organisations: Organisation[];
  sites: Site[];
  networks: Network[];
  hosts: Host[];
  applications: Application[];
  datasets: Dataset[];
  calendar?: Calendar;
  changeControl?: z.infer<typeof ChangeControl>;
}
