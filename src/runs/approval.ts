/**
 * Change-board approvals of waves: where they live, when a wave needs one, whether the one on
 * file approves exactly this plan and wave, and recording a new one (`ferry approve`).
 */
import { stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { API_VERSION } from "../model/common.js";
import { Approval } from "../model/approval.js";
import { readApproval } from "../model/approval-file.js";
import { approvalFileName } from "../model/plan-hash.js";
import { UsageError } from "../model/diagnostics.js";
import type { Project } from "../model/load.js";
import type { Plan } from "../model/plan.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { findWave, readTrustedPlan } from "./plan.js";
import type { RunsContext } from "./context.js";

/** Where `ferry approve` writes an approval, and where `ferry run` looks for it. */
export function approvalPath(dir: string, planHash: string, wave: number): string {
  return join(dir, "approvals", approvalFileName(planHash, wave));
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

/** How far an approval's date may run ahead of this machine's clock before it is refused. */
const CLOCK_SKEW_MS = 5 * 60_000;

/** The approval a wave runs under, as recorded in run.started. */
export interface WaveApproval {
  file: string;
  approvedBy: string;
  changeRef: string;
  approvedAt: string;
}

/**
 * Read `approvals/<hash-hex>-wave-<n>.yaml`. An approval on file must match the plan, wave and
 * inputs even when none is required (a wrong approval is never silently ignored); a missing
 * one is refused only when change control requires it.
 */
export async function checkWaveApproval(dir: string, plan: Plan, wave: number, required: boolean, now: Date = new Date()): Promise<WaveApproval | undefined> {
  const file = approvalPath(dir, plan.hash, wave);
  const shown = relative(process.cwd(), file) || file;
  // Malformed, duplicate-key or schema-breaking files are `approval-invalid` at their line.
  const a = await readApproval(shown);
  if (!a) {
    if (!required) return undefined;
    throw new UsageError(
      `wave ${wave} of plan ${plan.hash} has no change-board approval: ${shown} does not exist, and change control requires one`,
      "approval-missing",
      `Have the change board approve it: ferry approve --plan <file> --wave ${wave} --by NAME --ref CHG…`,
    );
  }
  const wrong =
    a.plan !== plan.hash
      ? `it approves plan ${a.plan}, not ${plan.hash}`
      : a.wave !== wave
        ? `it approves wave ${a.wave}, not wave ${wave}`
        : a.inputsDigest !== undefined && a.inputsDigest !== plan.inputsDigest
          ? `it was given for inputs ${a.inputsDigest}, but the plan's inputs are ${plan.inputsDigest}`
          : Date.parse(a.approvedAt) > now.getTime() + CLOCK_SKEW_MS
            ? `it is dated ${a.approvedAt}, in the future`
            : undefined;
  if (wrong) throw new UsageError(`${shown} does not approve this wave: ${wrong}`, "approval-invalid", "Re-approve the plan that will actually run with `ferry approve`.");
  return { file: shown, approvedBy: a.approvedBy, changeRef: a.changeRef, approvedAt: a.approvedAt };
}

/** What `ferry approve` records. */
export interface ApproveWaveOptions {
  /** The plan file the board reviewed. */
  plan: string;
  wave: number;
  /** Who approved it. */
  by: string;
  /** The change reference, e.g. CHG0012345. */
  ref: string;
  /** Replace an existing approval of the same plan and wave. @default false */
  force?: boolean;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/**
 * Record a change board's approval of one wave of one plan in `approvals/`. Refuses a plan that
 * does not verify, whose inputs drifted, or that has no such wave.
 */
export async function approveWave(ctx: Pick<RunsContext, "dir" | "loadProject">, opts: ApproveWaveOptions): Promise<{ file: string; approval: Approval }> {
  if (!opts.by.trim()) throw new UsageError("--by must name the approver");
  if (!opts.ref.trim()) throw new UsageError("--ref must give the change reference (e.g. CHG0012345)");
  const { plan } = await readTrustedPlan(ctx, opts.plan);
  findWave(plan, opts.plan, opts.wave);
  const file = approvalPath(ctx.dir, plan.hash, opts.wave);
  if (!opts.force && (await stat(file).catch(() => undefined))) {
    throw new UsageError(`wave ${opts.wave} of this plan is already approved (${file})`, "usage", "Pass --force to replace the approval, or leave it as it is.");
  }
  const approval: Approval = Approval.parse({
    apiVersion: API_VERSION,
    kind: "Approval",
    plan: plan.hash,
    wave: opts.wave,
    approvedBy: opts.by.trim(),
    changeRef: opts.ref.trim(),
    approvedAt: (opts.now ?? (() => new Date()))().toISOString(),
    inputsDigest: plan.inputsDigest,
  });
  await writeFileAtomic(file, stringify(approval));
  return { file, approval };
}
