import { stat } from "node:fs/promises";
import { join } from "node:path";
import { stringify } from "yaml";
import { API_VERSION } from "../model/common.js";
import { Approval } from "../model/approval.js";
import { UsageError } from "../model/diagnostics.js";
import { loadValidProject } from "./load-project.js";
import { assertPlanTrusted } from "../planner/verify-plan.js";
import { readPlanFile } from "./plan-file.js";
import { writeFileAtomic } from "./plan-run.js";

/** Options of `ferry approve`. */
export interface ApproveRunOptions {
  plan: string;
  wave: string;
  by: string;
  ref: string;
  /** Project directory: inputs for the drift check, and where approvals/ lives. @default "." */
  dir: string;
  /** Replace an existing approval of the same plan and wave. */
  force?: boolean;
  /** Clock, for tests. @default () => new Date() */
  now?: () => Date;
}

/** Where `ferry approve` writes an approval, and where `ferry run` looks for it. */
export function approvalPath(dir: string, planHash: string, wave: number): string {
  return join(dir, "approvals", `${planHash.replace(/^sha256:/, "")}-wave-${wave}.yaml`);
}

/**
 * `ferry approve`: record a change board's approval of one wave of one plan. Refuses a plan
 * that does not verify, whose inputs drifted, or that has no such wave.
 */
export async function runApprove(opts: ApproveRunOptions): Promise<{ file: string; approval: Approval }> {
  const wave = Number(opts.wave);
  if (!Number.isInteger(wave) || wave < 1) throw new UsageError(`--wave must be a wave number (1, 2, …), got ${JSON.stringify(opts.wave)}`);
  if (!opts.by.trim()) throw new UsageError("--by must name the approver");
  if (!opts.ref.trim()) throw new UsageError("--ref must give the change reference (e.g. CHG0012345)");
  const loaded = await readPlanFile(opts.plan);
  const project = await loadValidProject(opts.dir);
  assertPlanTrusted(loaded, opts.plan, project);
  const numbers = loaded.plan.waves.map((w) => w.number);
  if (!numbers.includes(wave)) {
    throw new UsageError(
      `${opts.plan} has no wave ${wave}`,
      "wave-not-found",
      numbers.length ? `Its waves are ${numbers.length > 12 ? `1 to ${numbers[numbers.length - 1]}` : numbers.join(", ")}.` : "The plan has no waves at all.",
    );
  }
  const file = approvalPath(opts.dir, loaded.plan.hash, wave);
  if (!opts.force && (await stat(file).catch(() => undefined))) {
    throw new UsageError(`wave ${wave} of this plan is already approved (${file})`, "usage", "Pass --force to replace the approval, or leave it as it is.");
  }
  const approval: Approval = Approval.parse({
    apiVersion: API_VERSION,
    kind: "Approval",
    plan: loaded.plan.hash,
    wave,
    approvedBy: opts.by.trim(),
    changeRef: opts.ref.trim(),
    approvedAt: (opts.now ?? (() => new Date()))().toISOString(),
    inputsDigest: loaded.plan.inputsDigest,
  });
  await writeFileAtomic(file, stringify(approval));
  return { file, approval };
}
