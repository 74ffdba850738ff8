/**
 * Change-board approvals of waves: where they live, when a wave needs one and from which
 * organisations, whether those on file approve exactly this plan and wave (signed by a key
 * `approvals/allowed_signers` trusts, holding the role change control asks for), and recording
 * a new one (`ferry approve`).
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { API_VERSION } from "../model/common.js";
import { Approval, approvalSignedText } from "../model/approval.js";
import { readApproval } from "../model/approval-file.js";
import { planHashForms } from "../model/plan-hash.js";
import { UsageError } from "../model/diagnostics.js";
import { FerryError } from "../model/codes.js";
import type { Estate } from "../model/estate.js";
import type { Project } from "../model/load.js";
import type { Plan } from "../model/plan.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { APPROVAL_NAMESPACE, signMessage, verifySignature, type VerifiedSigner } from "../journal/ssh-signature.js";
import { findWave, readTrustedPlan } from "./plan.js";
import type { RunsContext } from "./context.js";

type Env = Readonly<Record<string, string | undefined>>;

/** The project's trusted signers, OpenSSH allowed_signers format: `approvals/allowed_signers`. */
export function allowedSignersPath(dir: string): string {
  return join(dir, "approvals", "allowed_signers");
}

/** Public keys that no longer count although allowed_signers still lists them: `approvals/revoked_keys`. */
export function revokedKeysPath(dir: string): string {
  return join(dir, "approvals", "revoked_keys");
}

/**
 * Where `ferry approve` writes an approval, and where `ferry run` looks for it:
 * `approvals/<hash-hex>-wave-<n>.yaml`, or `…-wave-<n>-<organisation>.yaml` for one
 * organisation's approval where the wave's applications name organisations.
 */
export function approvalPath(dir: string, planHash: string, wave: number, organisation?: string): string {
  return join(dir, "approvals", `${planHashForms(planHash).hex}-wave-${wave}${organisation ? `-${organisation}` : ""}.yaml`);
}

/**
 * Whether a wave of this project needs a change-board approval: the estate's
 * `changeControl.requireApproval`, or `ferry:requireApproval` on any stack. Decided from the
 * inputs as they are now, never from a field of the plan file: a plan made with `--stack dev`
 * runs the same runbooks against the same hosts as one made for prod, and a plan's fields can
 * be edited. So one stack that requires approval makes every wave of the project need one.
 */
export function approvalRequired(project: Pick<Project, "estate" | "stacks">): boolean {
  if (project.estate.changeControl?.requireApproval) return true;
  return [...project.stacks.values()].some((s) => s.target.requireApproval);
}

/** An organisation's current form: a predecessor council's approvals come from its successor's board. */
function currentOrganisation(estate: Pick<Estate, "organisations">, id: string): string {
  const seen = new Set<string>();
  let cur = id;
  for (;;) {
    const org = estate.organisations.find((o) => o.id === cur);
    if (!org) throw new UsageError(`organisation ${cur} is not in the estate's organisations`, "unknown-reference", "Fix the application's `organisation` or `approvalFrom`.");
    if (!org.successor || seen.has(cur)) return cur;
    seen.add(cur);
    cur = org.successor;
  }
}

/**
 * The organisations whose boards must approve a wave, from the estate (never the plan): each
 * application's `approvalFrom`, else its own `organisation`, each taken to its current
 * successor. Empty when no application names one: then one approval, for no organisation.
 */
export function waveOrganisations(estate: Pick<Estate, "organisations" | "applications">, appIds: readonly string[]): string[] {
  const out = new Set<string>();
  for (const id of appIds) {
    const app = estate.applications.find((a) => a.id === id);
    for (const org of app?.approvalFrom ?? (app?.organisation ? [app.organisation] : [])) out.add(currentOrganisation(estate, org));
  }
  return [...out].sort();
}

/** What change control asks of a wave's approvals, decided from the estate and every stack. */
export interface ApprovalPolicy {
  required: boolean;
  /** Approvals count only when signed by a key allowed_signers trusts. */
  signed: boolean;
  /** One approval per organisation; empty: one approval for no organisation. */
  organisations: string[];
  /** The roles (principals) a signer must hold one of, by organisation (`""` for none). */
  roles: Record<string, string[] | undefined>;
}

/** The approval policy for one wave of a plan. */
export function approvalPolicy(project: Pick<Project, "estate" | "stacks">, wave: { applications: readonly { id: string }[] }): ApprovalPolicy {
  const cc = project.estate.changeControl;
  const organisations = waveOrganisations(project.estate, wave.applications.map((a) => a.id));
  const roles: Record<string, string[] | undefined> = {};
  for (const org of organisations.length ? organisations : [""]) roles[org] = cc?.organisations?.[org]?.approvers ?? cc?.approvers;
  return { required: approvalRequired(project), signed: cc?.requireSignedApprovals === true, organisations, roles };
}

/** How far an approval's date may run ahead of this machine's clock before it is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** One approval a wave runs under. */
export interface ApprovalRecord {
  file: string;
  organisation?: string;
  approvedBy: string;
  changeRef: string;
  approvedAt: string;
  /** Fingerprint of the key that signed it, when signed. */
  key?: string;
  /** The role that admitted the signer. */
  role?: string;
}

/** The approval a wave runs under, as recorded in run.started (the first; `approvals` lists each organisation's). */
export interface WaveApproval extends ApprovalRecord {
  approvals: ApprovalRecord[];
}

export interface CheckApprovalOptions {
  /** The clock the dates and keys are checked at. @default new Date() */
  now?: Date;
  /** For ssh-keygen (PATH). @default process.env */
  env?: Env;
  /** When the plan was first made on this machine, if it was (journal/plans-made.ts). */
  planMadeAt?: string;
}

/** Verify one approval's signature against the project's allowed_signers (and revoked_keys). */
export async function verifyApprovalSignature(dir: string, a: Approval, file: string, roles: readonly string[] | undefined, at: Date, env: Env): Promise<VerifiedSigner> {
  if (!a.signature) throw new FerryError("approval-unsigned", `${file} is not signed`, "Re-approve with `ferry approve --force --key FILE` (or with your key in ssh-agent).");
  return verifySignature({
    message: approvalSignedText(a),
    signature: a.signature.sshsig,
    namespace: APPROVAL_NAMESPACE,
    file,
    allowedSigners: allowedSignersPath(dir),
    revokedKeys: revokedKeysPath(dir),
    principal: a.approvedBy,
    ...(roles ? { roles } : {}),
    at,
    env,
  });
}

/**
 * Read the wave's approvals (one per organisation involved). An approval on file must match the
 * plan, wave and inputs, and verify when signed, even when none is required (a wrong approval
 * is never silently ignored); a missing or unsigned one is refused only when change control
 * requires it.
 */
export async function checkWaveApproval(dir: string, plan: Plan, wave: number, policy: ApprovalPolicy | boolean, opts: CheckApprovalOptions = {}): Promise<WaveApproval | undefined> {
  const p: ApprovalPolicy = typeof policy === "boolean" ? { required: policy, signed: false, organisations: [], roles: {} } : policy;
  const now = opts.now ?? new Date();
  const env = opts.env ?? process.env;
  const records: ApprovalRecord[] = [];
  const keys = new Map<string, string>();
  for (const org of p.organisations.length ? p.organisations : [undefined]) {
    const file = approvalPath(dir, plan.hash, wave, org);
    const shown = relative(process.cwd(), file) || file;
    // Malformed, duplicate-key or schema-breaking files are `approval-invalid` at their line.
    const a = await readApproval(shown);
    if (!a) {
      if (!p.required) continue;
      const whose = org ? ` from ${org}` : "";
      throw new UsageError(
        `wave ${wave} of plan ${plan.hash} has no change-board approval${whose}: ${shown} does not exist, and change control requires one`,
        "approval-missing",
        `Have the change board approve it: ferry approve --plan <file> --wave ${wave}${org ? ` --org ${org}` : ""} --by NAME --ref CHG…${p.signed ? " --key FILE" : ""}`,
      );
    }
    const wrong =
      a.plan !== plan.hash
        ? `it approves plan ${a.plan}, not ${plan.hash}`
        : a.wave !== wave
          ? `it approves wave ${a.wave}, not wave ${wave}`
          : (a.organisation ?? undefined) !== org
            ? `it is ${a.organisation ? `${a.organisation}'s approval` : "an approval for no organisation"}, but this file is for ${org ?? "no organisation"}`
            : a.inputsDigest !== undefined && a.inputsDigest !== plan.inputsDigest
              ? `it was given for inputs ${a.inputsDigest}, but the plan's inputs are ${plan.inputsDigest}`
              : undefined;
    if (wrong) throw new UsageError(`${shown} does not approve this wave: ${wrong}`, "approval-invalid", "Re-approve the plan that will actually run with `ferry approve`.");
    if (!a.signature && p.signed) {
      throw new FerryError(
        "approval-unsigned",
        `${shown} is not signed, and change control requires signed approvals (changeControl.requireSignedApprovals)`,
        `Have the board re-approve it with their key: ferry approve --force --plan <file> --wave ${wave}${org ? ` --org ${org}` : ""} --by PRINCIPAL --ref ${a.changeRef} --key FILE`,
      );
    }
    // Its date, once it is known to be the right approval: not in the future, not before the plan.
    const misdated =
      Date.parse(a.approvedAt) > now.getTime() + CLOCK_SKEW_MS
        ? `it is dated ${a.approvedAt}, in the future`
        : opts.planMadeAt !== undefined && Date.parse(a.approvedAt) < Date.parse(opts.planMadeAt) - CLOCK_SKEW_MS
          ? `it is dated ${a.approvedAt}, before the plan existed (first made on this machine at ${opts.planMadeAt})`
          : undefined;
    if (misdated) throw new UsageError(`${shown} does not approve this wave: ${misdated}`, "approval-invalid", "Re-approve the plan that will actually run with `ferry approve`.");
    let signer: VerifiedSigner | undefined;
    if (a.signature) {
      signer = await verifyApprovalSignature(dir, a, shown, p.roles[org ?? ""], now, env);
      const other = keys.get(signer.fingerprint);
      if (other !== undefined) {
        throw new FerryError(
          "signer-not-allowed",
          `${shown} is signed with the same key (${signer.fingerprint}) as ${other}: each organisation's board approves with its own key`,
          "Have a member of that organisation's board approve.",
        );
      }
      keys.set(signer.fingerprint, shown);
    }
    records.push({
      file: shown,
      ...(org ? { organisation: org } : {}),
      approvedBy: a.approvedBy,
      changeRef: a.changeRef,
      approvedAt: a.approvedAt,
      ...(signer ? { key: signer.fingerprint, ...(signer.role ? { role: signer.role } : {}) } : {}),
    });
  }
  if (!records.length) return undefined;
  return { ...records[0]!, approvals: records };
}

/** What `ferry approve` records. */
export interface ApproveWaveOptions {
  /** The plan file the board reviewed. */
  plan: string;
  wave: number;
  /** Who approved: the signer's principal in allowed_signers. */
  by: string;
  /** The change reference, e.g. CHG0012345. */
  ref: string;
  /** The organisation approving; needed when the wave involves more than one. */
  organisation?: string;
  /** A private key file to sign with; without it, the ssh-agent's key listed for `by`. */
  key?: string;
  /** Replace an existing approval of the same plan and wave. @default false */
  force?: boolean;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/**
 * Record a change board's approval of one wave of one plan in `approvals/`, signed with the
 * approver's SSH key where one is given or the agent holds one (always where change control
 * requires signed approvals). Refuses a plan that does not verify, whose inputs drifted, or that
 * has no such wave, and a signature the run would refuse (checked before anything is written).
 */
export async function approveWave(ctx: Pick<RunsContext, "dir" | "loadProject"> & Partial<Pick<RunsContext, "env">>, opts: ApproveWaveOptions): Promise<{ file: string; approval: Approval }> {
  if (!opts.by.trim()) throw new UsageError("--by must name the approver");
  if (!opts.ref.trim()) throw new UsageError("--ref must give the change reference (e.g. CHG0012345)");
  const env = ctx.env ?? process.env;
  const { plan, project } = await readTrustedPlan(ctx, opts.plan);
  const wave = findWave(plan, opts.plan, opts.wave);
  const policy = approvalPolicy(project, wave);
  const org = opts.organisation ?? (policy.organisations.length === 1 ? policy.organisations[0] : undefined);
  if (org === undefined && policy.organisations.length > 1) {
    throw new UsageError(
      `wave ${opts.wave} involves ${policy.organisations.join(", ")}: each organisation's board approves it`,
      "usage",
      `Pass --org with the organisation you approve for (one of ${policy.organisations.join(", ")}).`,
    );
  }
  if (org !== undefined && !policy.organisations.includes(org)) {
    throw new UsageError(
      `--org ${org}: wave ${opts.wave} does not need ${org}'s approval (${policy.organisations.length ? `it involves ${policy.organisations.join(", ")}` : "its applications name no organisation"})`,
      "usage",
      policy.organisations.length ? `Pass one of ${policy.organisations.join(", ")}.` : "Leave out --org.",
    );
  }
  const file = approvalPath(ctx.dir, plan.hash, opts.wave, org);
  if (!opts.force && (await stat(file).catch(() => undefined))) {
    throw new UsageError(`wave ${opts.wave} of this plan is already approved${org ? ` for ${org}` : ""} (${file})`, "usage", "Pass --force to replace the approval, or leave it as it is.");
  }
  const now = (opts.now ?? (() => new Date()))();
  const unsigned: Approval = Approval.parse({
    apiVersion: API_VERSION,
    kind: "Approval",
    plan: plan.hash,
    wave: opts.wave,
    ...(org ? { organisation: org } : {}),
    approvedBy: opts.by.trim(),
    changeRef: opts.ref.trim(),
    approvedAt: now.toISOString(),
    inputsDigest: plan.inputsDigest,
  });
  // Sign where asked to (--key), where the policy requires it, or where the agent can.
  const signWith = opts.key !== undefined || policy.signed || (env.SSH_AUTH_SOCK !== undefined && (await exists(allowedSignersPath(ctx.dir))));
  let approval = unsigned;
  if (signWith) {
    try {
      const sig = await signMessage(approvalSignedText(unsigned), { namespace: APPROVAL_NAMESPACE, principal: unsigned.approvedBy, allowedSigners: allowedSignersPath(ctx.dir), env, ...(opts.key ? { key: opts.key } : {}) });
      approval = Approval.parse({ ...unsigned, signature: { key: sig.fingerprint, sshsig: sig.signature } });
    } catch (err) {
      // Without --key and without a requirement, an agent with no key for this approver is no reason to fail.
      if (opts.key !== undefined || policy.signed || !(err instanceof FerryError && err.code === "signing-failed")) throw err;
    }
    if (approval.signature) await verifyApprovalSignature(ctx.dir, approval, relative(process.cwd(), file) || file, policy.roles[org ?? ""], now, env);
  }
  await writeFileAtomic(file, stringify(approval));
  return { file, approval };
}

const exists = (file: string) => stat(file).then(
  () => true,
  () => false,
);

/** Approval files on record for one wave of one plan (any organisation). */
export async function approvalFilesOf(dir: string, planHash: string, wave: number): Promise<string[]> {
  const prefix = `${planHashForms(planHash).hex}-wave-${wave}`;
  const names = await readdir(join(dir, "approvals")).catch(() => [] as string[]);
  return names
    .filter((n) => n === `${prefix}.yaml` || (n.startsWith(`${prefix}-`) && n.endsWith(".yaml")))
    .sort()
    .map((n) => join(dir, "approvals", n));
}
