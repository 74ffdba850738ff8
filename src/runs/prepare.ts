/**
 * Everything `ferry run` checks before the first change, and `ferry resume`/`rollback` before
 * continuing: the plan verifies and its inputs have not drifted, the wave is approved where
 * change control requires it, and every application's runbook resolves. Nothing here runs a
 * step; every refusal is a FerryError with exit code 2.
 */
import { relative } from "node:path";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import type { Project } from "../model/load.js";
import type { Plan, Wave } from "../model/plan.js";
import { digestInputs } from "../planner/inputs-digest.js";
import { prepareApplication, PrepareError, type PreparedApp, type PrepareProblem } from "../engine/prepare.js";
import { approvalPolicy, approvalRequired, checkWaveApproval, type WaveApproval } from "./approval.js";
import { findWave, readTrustedPlan } from "./plan.js";
import { assertRequirementsMet, requirementsOf } from "./requirements.js";
import { stateOf, type RunsContext } from "./context.js";

/**
 * Resolve and check every template of each application (inputs typed, lookups resolved) before
 * anything runs; one bad template anywhere stops the whole run. Throws PrepareError listing all.
 */
export function prepareApps(project: Project, apps: readonly { id: string; runbook: string }[], env: Readonly<Record<string, string | undefined>>): PreparedApp[] {
  const prepared: PreparedApp[] = [];
  const problems: PrepareProblem[] = [];
  for (const planned of apps) {
    const app = project.estate.applications.find((a) => a.id === planned.id);
    const rb = project.runbooks.get(planned.runbook);
    if (!app || !rb) {
      problems.push({
        runbook: planned.runbook,
        app: planned.id,
        where: "plan",
        message: !app ? `application ${planned.id} is no longer in the estate` : `runbook ${planned.runbook} is no longer in runbooks/`,
        code: "template-unresolved",
      });
      continue;
    }
    const r = prepareApplication(app, planned.runbook, rb.runbook, project.estate, env, relative(project.dir, rb.file) || rb.file);
    problems.push(...r.problems);
    if (r.prepared) prepared.push(r.prepared);
  }
  if (problems.length > 0) throw new PrepareError(problems);
  return prepared;
}

/** Digest (sha256 hex of the file) of every runbook the applications use, by name. */
export function runbookDigests(project: Project, names: Iterable<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of [...new Set(names)].sort()) out[n] = project.runbooks.get(n)?.digest ?? "missing";
  return out;
}

/** The current inputs digest over the estate, stacks and the named runbooks (as `ferry plan` computes it). */
export function currentInputsDigest(project: Project, runbooks: Iterable<string>): string {
  return digestInputs(project, runbooks).inputsDigest;
}

/** A wave checked and ready to run: nothing has changed anywhere yet. */
export interface PreparedWave {
  project: Project;
  plan: Plan;
  /** The plan file as given. */
  planFile: string;
  wave: Wave;
  apps: PreparedApp[];
  /** Digest of each runbook the wave's applications use, by name. */
  runbooks: Record<string, string>;
  approval?: WaveApproval;
  /** The approval as it stands; a dry run reports it instead of refusing. */
  approvalStatus: { required: boolean; status: "approved" | "missing" | "not-required" | "invalid"; detail?: string };
}

export interface PrepareWaveOptions {
  /** The plan file. */
  plan: string;
  wave: number;
  /** Run only these applications of the wave. */
  only?: readonly string[];
  /**
   * For a dry run: a missing or wrong approval is reported, not refused, so the dry run's
   * result can go to the board before it approves. @default false
   */
  withoutApproval?: boolean;
}

/** Every check `ferry run` makes before it starts a wave, in the order a reader expects them. */
export async function prepareWave(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "env" | "loadProject">, opts: PrepareWaveOptions): Promise<PreparedWave> {
  const { plan, project } = await readTrustedPlan(ctx, opts.plan);
  const wave = findWave(plan, opts.plan, opts.wave);
  const required = approvalRequired(project);
  let approval: WaveApproval | undefined;
  let approvalStatus: PreparedWave["approvalStatus"];
  try {
    approval = await checkWaveApproval(ctx.dir, plan, opts.wave, approvalPolicy(project, wave), { env: ctx.env, planMadeAt: await stateOf(ctx).planFirstMade(plan.hash) });
    approvalStatus = { required, status: approval ? "approved" : required ? "missing" : "not-required" };
  } catch (err) {
    if (!opts.withoutApproval || !(err instanceof FerryError)) throw err;
    approvalStatus = { required, status: err.code === "approval-missing" ? "missing" : "invalid", detail: err.message };
  }
  let planned = wave.applications;
  if (opts.only?.length) {
    const ids = new Set(planned.map((a) => a.id));
    const unknown = opts.only.filter((id) => !ids.has(id));
    if (unknown.length) {
      throw new UsageError(`--only names ${unknown.join(", ")}, not in wave ${opts.wave}`, "app-not-in-wave", `Wave ${opts.wave} has: ${[...ids].join(", ")}.`);
    }
    const only = new Set(opts.only);
    planned = planned.filter((a) => only.has(a.id));
  }
  // Everything the operator must provide, named at once, before one template reads the environment.
  assertRequirementsMet(requirementsOf(new Set(planned.map((a) => project.runbooks.get(a.runbook)).filter((r) => r !== undefined)), ctx.env));
  const apps = prepareApps(project, planned, ctx.env);
  return { project, plan, planFile: opts.plan, wave, apps, runbooks: runbookDigests(project, planned.map((a) => a.runbook)), approval, approvalStatus };
}
