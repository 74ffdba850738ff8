import { z } from "zod";
import { Requires } from "./requirements.js";
import { API_VERSION, Duration, Id, durationMs } from "./common.js";

/**
 * Action specs. Every string field may hold `{{ path }}` templates; they are resolved (and,
 * inside shell commands, shell-quoted) by the engine before anything runs.
 */
const ExpectExit = z.union([z.number().int(), z.array(z.number().int()).min(1)]);
const EnvMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"), z.string());

export const SshSpec = z.strictObject({
  /** Host id from the estate (or a template resolving to one). */
  host: z.string().min(1),
  run: z.string().min(1),
  /** Overrides of the host's `ssh:` block for this step. */
  user: z.string().optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** Exit status(es) that count as success. @default 0 */
  expectExit: ExpectExit.optional(),
  env: EnvMap.optional(),
  stdin: z.string().optional(),
  /** Run through `sudo -S`; the password comes from the secret named here, over stdin. */
  sudo: z.union([z.boolean(), z.strictObject({ passwordEnv: z.string().min(1) })]).optional(),
  pty: z.boolean().optional(),
  /** Parse stdout as JSON into the step's outputs. */
  json: z.boolean().optional(),
  /**
   * The shell `run` is written for. By default the host's `os` decides: PowerShell on
   * `windows`, POSIX sh on `linux`/`appliance`, the device's CLI on `network-device`.
   * `cmd` runs the step as a cmd.exe batch on a Windows host.
   */
  shell: z.enum(["sh", "powershell", "cmd"]).optional(),
});

export const CopySpec = z.strictObject({
  host: z.string().min(1),
  direction: z.enum(["upload", "download"]).default("upload"),
  /** Local path for uploads, remote path for downloads. */
  from: z.string().min(1),
  to: z.string().min(1),
  /** File mode for uploaded files, octal string such as "0640". */
  mode: z.string().regex(/^0?[0-7]{3}$/, "must be an octal mode such as 0640").optional(),
  /** Verify SHA-256 of every file after the copy. @default true */
  verify: z.boolean().optional(),
});

export const LocalSpec = z.strictObject({
  run: z.string().min(1),
  cwd: z.string().optional(),
  env: EnvMap.optional(),
  stdin: z.string().optional(),
  expectExit: ExpectExit.optional(),
  json: z.boolean().optional(),
});

export const HttpSpec = z.strictObject({
  url: z.string().min(1),
  method: z.enum(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]).default("GET"),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  expect: z
    .strictObject({
      status: z.union([z.number().int(), z.array(z.number().int()).min(1)]).optional(),
      contains: z.string().optional(),
      matches: z.string().optional(),
      json: z.strictObject({ path: z.string().min(1), equals: z.union([z.string(), z.number(), z.boolean(), z.null()]) }).optional(),
    })
    .optional(),
  timeout: Duration.optional(),
  /** PEM file of a CA to trust in addition to the system's. */
  ca: z.string().optional(),
  /** Turn TLS verification off. Off by default; say why in the runbook if you use it. */
  insecure: z.boolean().optional(),
});

export const TcpSpec = z.strictObject({
  host: z.string().min(1),
  port: z.union([z.number().int().min(1).max(65535), z.string().min(1)]),
  timeout: Duration.optional(),
  /** `closed` asserts nothing listens (e.g. the old service is really off). @default open */
  expect: z.enum(["open", "closed"]).optional(),
});

export const DnsSpec = z.strictObject({
  name: z.string().min(1),
  type: z.enum(["A", "AAAA", "CNAME", "TXT"]).default("A"),
  /** Resolver to ask, `host` or `host:port`; the system resolver when omitted. */
  server: z.string().optional(),
  /** Answers that must all be present. An empty list asserts NXDOMAIN / no answer. */
  expect: z.array(z.string()).optional(),
  timeout: Duration.optional(),
});

export const WaitSpec = z.union([Duration, z.strictObject({ for: Duration })]);

export const ApprovalSpec = z.strictObject({
  message: z.string().min(1),
  /** Names allowed to release the gate; anyone but the run's operator when omitted. */
  approvers: z.array(z.string()).optional(),
});

export const PulumiSpec = z.strictObject({
  stack: z.string().min(1),
  operation: z.enum(["preview", "up", "refresh"]).default("preview"),
  /** Fail a preview that shows changes (drift check). */
  expectNoChanges: z.boolean().optional(),
});

/** The closed set of action kinds. Exactly one appears in a step, probe or rollback. */
export const ACTION_KINDS = ["ssh", "copy", "local", "http", "tcp", "dns", "wait", "approval", "pulumi"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];
/** Kinds that only observe; the dry run executes them and they may serve as `check`/`verify`. */
export const PROBE_KINDS = ["http", "tcp", "dns", "ssh", "local"] as const;

const actionFields = {
  ssh: SshSpec.optional(),
  copy: CopySpec.optional(),
  local: LocalSpec.optional(),
  http: HttpSpec.optional(),
  tcp: TcpSpec.optional(),
  dns: DnsSpec.optional(),
  wait: WaitSpec.optional(),
  approval: ApprovalSpec.optional(),
  pulumi: PulumiSpec.optional(),
};

function exactlyOneAction(value: Record<string, unknown>, ctx: z.RefinementCtx) {
  const present = ACTION_KINDS.filter((k) => value[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({
      code: "custom",
      message:
        present.length === 0
          ? `needs one action: ${ACTION_KINDS.join(", ")}`
          : `has ${present.length} actions (${present.join(", ")}); a step runs exactly one`,
    });
  }
}

const Retry = z.strictObject({
  attempts: z.number().int().min(1).max(100),
  delay: Duration.default("5s"),
  /** Multiply the delay by this after each failed attempt. @default 1 */
  backoff: z.number().min(1).max(10).default(1),
});

/** A median and a pessimistic duration, `{ p50: 20m, p90: 45m }`. */
const DurationRange = z
  .strictObject({ p50: Duration, p90: Duration })
  .refine((r) => durationMs(r.p90) >= durationMs(r.p50), { message: "p90 must be at least p50", path: ["p90"] });

/**
 * What an entry is expected to take, for the plan's window fit (docs/formats.md, "Estimates"):
 * `20m` (P90 is then 1.5 × that), `{ p50: 20m, p90: 45m }`, or with `perGb` a time per
 * gigabyte of the application's data sets that move, added to `p50`/`p90` (`{ p50: 10m, perGb: 2m }`).
 */
export const EstimateSpec = z.union([
  Duration,
  z
    .strictObject({
      p50: Duration.optional(),
      p90: Duration.optional(),
      /** Time per GB of the application's data sets decided `migrate` or `archive`: `2m`, or `{ p50: 2m, p90: 3m }`. */
      perGb: z.union([Duration, DurationRange]).optional(),
    })
    .superRefine((e, ctx) => {
      if (e.p50 === undefined && e.perGb === undefined) ctx.addIssue({ code: "custom", message: "needs p50 (a duration) or perGb (a time per GB of data)" });
      if (e.p90 !== undefined && e.p50 === undefined) ctx.addIssue({ code: "custom", path: ["p90"], message: "p90 needs p50 beside it" });
      if (e.p50 !== undefined && e.p90 !== undefined && durationMs(e.p90) < durationMs(e.p50)) ctx.addIssue({ code: "custom", path: ["p90"], message: "p90 must be at least p50" });
    }),
]);

/** An action with nothing else: a rollback or a `check` probe. */
export const ActionOnly = z
  .strictObject({
    /** What it does in words a change board reads (the pack renders it with each application's values). */
    description: z.string().optional(),
    ...actionFields,
    timeout: Duration.optional(),
    retry: Retry.optional(),
    /** On a rollback: what undoing the step takes (the plan's rollback decision point). */
    estimate: EstimateSpec.optional(),
  })
  .superRefine(exactlyOneAction);

export const Precheck = z
  .strictObject({ id: Id, description: z.string().optional(), ...actionFields, timeout: Duration.optional(), estimate: EstimateSpec.optional() })
  .superRefine(exactlyOneAction);

export const Step = z
  .strictObject({
    id: Id,
    description: z.string().optional(),
    ...actionFields,
    timeout: Duration.optional(),
    retry: Retry.optional(),
    /** What the step is expected to take (the plan's window fit). */
    estimate: EstimateSpec.optional(),
    /** Running the step twice has the same effect as once; resume may re-run it. */
    idempotent: z.boolean().default(false),
    /** A probe that tells whether the step already took effect (used on resume and re-runs). */
    check: ActionOnly.optional(),
    rollback: ActionOnly.optional(),
    /** Steps that must succeed first; without `needs`, steps run in file order. */
    needs: z.array(Id).optional(),
  })
  .superRefine(exactlyOneAction);

export const Verify = z
  .strictObject({
    id: Id,
    description: z.string().optional(),
    ...actionFields,
    timeout: Duration.optional(),
    /** Successes in a row needed to pass. @default 1 */
    consecutive: z.number().int().min(1).default(1),
    /** Pause between probes. @default 5s */
    interval: Duration.default("5s"),
    /** Deadline for the gate as a whole. @default 2m */
    within: Duration.default("2m"),
    /** What the gate is expected to take until it passes. @default 1m, P90 its `within` */
    estimate: EstimateSpec.optional(),
  })
  .superRefine(exactlyOneAction);

export const InputType = z.enum(["host", "site", "string", "number", "boolean", "prefix", "secret"]);

export const Input = z.strictObject({
  type: InputType,
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  description: z.string().optional(),
});

/** An environment variable name, or a pattern of one where `*` stands for any characters. */
const EnvPattern = z.string().regex(/^[A-Za-z0-9_*]+$/, "must be an environment variable name or a pattern such as *_PIN");

/**
 * Which of the operator's environment variables are secret, beyond the names that look secret
 * (PASSWORD, PASS, SECRET, TOKEN, KEY…; see docs/formats.md). A name in both lists is secret.
 */
export const EnvSecrets = z.strictObject({
  /** Also secret: redacted everywhere and passed to shells by environment, never in argv. */
  secret: z.array(EnvPattern).default([]),
  /** Not secret although the name looks it (e.g. TOKEN_URL): substituted like any value. */
  notSecret: z.array(EnvPattern).default([]),
});

export const Runbook = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("Runbook"),
  name: Id,
  description: z.string().optional(),
  inputs: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, "must be an input name (letters, digits, _)"), Input).default({}),
  envSecrets: EnvSecrets.optional(),
  /** What the operator's machine must provide: environment variables and tools (docs/formats.md, "Runbook"). */
  requires: Requires.optional(),
  precheck: z.array(Precheck).default([]),
  steps: z.array(Step).min(1),
  verify: z.array(Verify).default([]),
});

export type SshSpec = z.infer<typeof SshSpec>;
export type CopySpec = z.infer<typeof CopySpec>;
export type LocalSpec = z.infer<typeof LocalSpec>;
export type HttpSpec = z.infer<typeof HttpSpec>;
export type TcpSpec = z.infer<typeof TcpSpec>;
export type DnsSpec = z.infer<typeof DnsSpec>;
export type WaitSpec = z.infer<typeof WaitSpec>;
export type ApprovalSpec = z.infer<typeof ApprovalSpec>;
export type PulumiSpec = z.infer<typeof PulumiSpec>;
export type ActionOnly = z.infer<typeof ActionOnly>;
export type EstimateSpec = z.infer<typeof EstimateSpec>;
export type Precheck = z.infer<typeof Precheck>;
export type Step = z.infer<typeof Step>;
export type Verify = z.infer<typeof Verify>;
export type Input = z.infer<typeof Input>;
export type EnvSecrets = z.infer<typeof EnvSecrets>;
export type Runbook = z.infer<typeof Runbook>;

/** The spec type for each action kind, so code can be generic over `kind`. */
export interface ActionSpecs {
  ssh: SshSpec;
  copy: CopySpec;
  local: LocalSpec;
  http: HttpSpec;
  tcp: TcpSpec;
  dns: DnsSpec;
  wait: WaitSpec;
  approval: ApprovalSpec;
  pulumi: PulumiSpec;
}

/** The one action of a step, probe or rollback, as a tagged pair. */
export function actionOf(x: Partial<ActionSpecs>): { kind: ActionKind; spec: ActionSpecs[ActionKind] } {
  for (const kind of ACTION_KINDS) {
    const spec = x[kind];
    if (spec !== undefined) return { kind, spec };
  }
  throw new Error("validated runbook entry without an action");
}
