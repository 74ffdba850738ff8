/**
 * Everything `ferry run` checks before the first change, and `ferry resume`/`rollback` before
 * continuing: the plan verifies and its inputs have not drifted, the wave is approved where
 * change control requires it, and every application's runbook resolves. Nothing here runs a
 * step; every refusal is a UsageError (or PrepareError) with the documented exit code 2.
 */
import { readFile } from "node:fs/promises";
import { relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { Approval } from "../model/approval.js";
import { UsageError } from "../model/diagnostics.js";
import type { Estate } from "../model/estate.js";
import type { Project } from "../model/load.js";
import { loadValidProject } from "./load-project.js";
import type { Plan, Wave } from "../model/plan.js";
import { digestInputs } from "../planner/inputs-digest.js";
import { assertPlanTrusted } from "../planner/verify-plan.js";
import { prepareApplication, PrepareError, type PreparedApp, type PrepareProblem } from "../engine/prepare.js";
import { approvalPath } from "./approve-run.js";
import { readPlanFile } from "./plan-file.js";


/**
 * Whether runs of this project need a change-board approval per wave: the estate's
 * `changeControl.requireApproval`, or `ferry:requireApproval` in the plan's target stack (every
 * stack when the plan names none: a runbook may touch any environment).
 */
export function approvalRequired(project: Pick<Project, "estate" | "stacks">, plan: Pick<Plan, "targetStack">): boolean {
  if (project.estate.changeControl?.requireApproval) return true;
  const stacks = plan.targetStack ? [project.stacks.get(plan.targetStack)].filter((s) => s !== undefined) : [...project.stacks.values()];
  return stacks.some((s) => s.target.requireApproval);
}

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
export async function checkWaveApproval(dir: string, plan: Plan, wave: number, required: boolean): Promise<WaveApproval | undefined> {
  const file = approvalPath(dir, plan.hash, wave);
  const shown = relative(process.cwd(), file) || file;
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    if (!required) return undefined;
    throw new UsageError(
      `wave ${wave} of plan ${plan.hash} has no change-board approval: ${shown} does not exist, and change control requires one`,
      "approval-missing",
      `Have the change board approve it: ferry approve --plan <file> --wave ${wave} --by NAME --ref CHG…`,
    );
  }
  const parsed = Approval.safeParse(parseYaml(text));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${shown} is not a valid approval: ${issue.path.join(".") || "(top level)"}: ${issue.message}`, "approval-invalid", "Re-create it with `ferry approve`.");
  }
  const a = parsed.data;
  const wrong =
    a.plan !== plan.hash
      ? `it approves plan ${a.plan}, not ${plan.hash}`
      : a.wave !== wave
        ? `it approves wave ${a.wave}, not wave ${wave}`
        : a.inputsDigest !== undefined && a.inputsDigest !== plan.inputsDigest
          ? `it was given for inputs ${a.inputsDigest}, but the plan's inputs are ${plan.inputsDigest}`
          : undefined;
  if (wrong) throw new UsageError(`${shown} does not approve this wave: ${wrong}`, "approval-invalid", "Re-approve the plan that will actually run with `ferry approve`.");
  return { file: shown, approvedBy: a.approvedBy, changeRef: a.changeRef, approvedAt: a.approvedAt };
}

/** The wave with that number, or a usage error listing the plan's waves. */
export function findWave(plan: Plan, file: string, wave: number): Wave {
  const w = plan.waves.find((x) => x.number === wave);
  if (w) return w;
  const numbers = plan.waves.map((x) => x.number);
  throw new UsageError(`${file} has no wave ${wave}`, "wave-not-found", numbers.length ? `Its waves are ${numbers.join(", ")}.` : "The plan has no waves at all.");
}

/**
 * Resolve and check every template of each application (inputs typed, lookups resolved) before
 * anything runs; one bad template anywhere stops the whole run. Throws PrepareError listing all.
 */
export function prepareApps(project: Project, apps: { id: string; runbook: string }[], env: Readonly<Record<string, string | undefined>>): PreparedApp[] {
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

export interface WaveInputs {
  project: Project;
  plan: Plan;
  wave: Wave;
  apps: PreparedApp[];
  runbooks: Record<string, string>;
  approval?: WaveApproval;
}

export interface LoadWaveOptions {
  dir: string;
  plan: string;
  wave: number;
  only?: string[];
  env: Readonly<Record<string, string | undefined>>;
}

/** Every check `ferry run` makes before it starts a wave, in the order a reader expects them. */
export async function loadWave(opts: LoadWaveOptions): Promise<WaveInputs> {
  const loaded = await readPlanFile(opts.plan);
  const project = await loadValidProject(opts.dir);
  assertPlanTrusted(loaded, opts.plan, project);
  const plan = loaded.plan;
  const wave = findWave(plan, opts.plan, opts.wave);
  const approval = await checkWaveApproval(opts.dir, plan, opts.wave, approvalRequired(project, plan));
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
  const apps = prepareApps(project, planned, opts.env);
  return { project, plan, wave, apps, runbooks: runbookDigests(project, planned.map((a) => a.runbook)), ...(approval ? { approval } : {}) };
}

/** Host ids an application's steps may touch: its own hosts plus `host` inputs. */
export function hostsOf(app: PreparedApp, estate: Estate): string[] {
  const ids = new Set(app.hosts);
  const inputs = (app.values.inputs ?? {}) as Record<string, unknown>;
  for (const v of Object.values(inputs)) {
    if (v !== null && typeof v === "object" && "id" in v && estate.hosts.some((h) => h.id === (v as { id: unknown }).id)) ids.add(String((v as { id: unknown }).id));
  }
  return [...ids].sort();
}
