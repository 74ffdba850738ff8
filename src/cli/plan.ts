import { access } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { UsageError } from "../model/diagnostics.js";
import type { Project } from "../model/load.js";
import type { Plan } from "../model/plan.js";
import { planWaves, serializePlan } from "../planner/index.js";
import type { KeepInput } from "../planner/keep.js";
import { readKeptPlan } from "../model/kept-plan.js";
import { approvalFileName } from "../model/plan-hash.js";
import { readAllRuns } from "../runs/history.js";
import { planSummaryText } from "../report/summary.js";
import { loadValidProject } from "./common/load-project.js";
import { stateFor } from "./common/flags.js";
import { stateDirOf } from "../runs/context.js";
import { readStepActuals } from "../timing/actuals.js";
import { statusLine } from "./common/status-line.js";

/** Options of `ferry plan`. */
export interface PlanRunOptions {
  /** Project directory. @default "." */
  dir: string;
  /** Plan file to write. @default `<dir>/plans/plan.json` (with `--json`: no file unless given) */
  out?: string;
  /** Stack whose target address plan `reip-required` checks. @default prod, else the only stack */
  stack?: string;
  /** Print the plan on stdout (the summary goes to stderr). */
  json?: boolean;
  /** An earlier plan whose approved or run waves to keep. @default the estate's `calendar.keep` */
  keep?: string;
  /** State directory the runs are recorded in. @default `<dir>/.ferry` */
  state?: string;
}

/**
 * The keep input for `--keep F` (or `calendar.keep`): the earlier plan, verified, and the waves of
 * it that have an approval on file (`approvals/`) or a run in the state directory.
 */
async function keepInput(dir: string, file: string, state?: string): Promise<KeepInput> {
  const rel = isAbsolute(file) ? relative(dir, file) : relative(dir, join(dir, file)) || file;
  const recorded = rel.split(sep).join("/");
  const plan = readKeptPlan(dir, recorded);
  const because = new Map<number, string>();
  for (const w of plan.waves) {
    const ok = await access(join(dir, "approvals", approvalFileName(plan.hash, w.number))).then(
      () => true,
      () => false,
    );
    if (ok) because.set(w.number, "approved");
  }
  const { runs } = await readAllRuns(stateFor({ dir, ...(state !== undefined ? { state } : {}) })).catch(() => ({ runs: [] }));
  for (const r of runs) {
    const s = r.started;
    // A rehearsal is not the wave having run: it ran against a test environment.
    if (s.planHash === plan.hash && s.wave !== undefined && !s.dryRun && !s.rehearsal) because.set(s.wave, "run");
  }
  return { file: recorded, plan, waves: [...because].sort(([a], [b]) => a - b).map(([wave, why]) => ({ wave, because: why })) };
}

/** Load and validate the project, then plan it. Throws InputError (exit 2) on invalid input. */
export async function makePlan(dir: string, stack?: string, keepFile?: string, state?: string): Promise<{ project: Project; plan: Plan }> {
  const line = statusLine();
  try {
    const project = await loadValidProject(dir, line);
    if (stack !== undefined && !project.stacks.has(stack)) {
      const known = [...project.stacks.keys()].sort();
      throw new UsageError(`there is no stack ${stack} in ${join(dir, "stacks")}`, "usage", known.length ? `Known stacks: ${known.join(", ")}.` : "Add stacks/Pulumi.<env>.yaml, or leave out --stack.");
    }
    line.update(`planning waves (${project.estate.applications.length.toLocaleString("en-GB")} applications in the estate)…`, true);
    const file = keepFile ?? project.estate.calendar?.keep;
    const keep = file === undefined ? undefined : await keepInput(dir, file, state);
    // Steps measured in past runs (rehearsals and real) are timed from their actuals; the plan
    // records the figures it used. A journal that cannot be read is left out of them.
    const actuals = await readStepActuals(stateDirOf({ dir, ...(state !== undefined ? { state } : {}) })).catch(() => undefined);
    return { project, plan: planWaves(project, { stack, ...(keep ? { keep } : {}), ...(actuals && actuals.size > 0 ? { actuals } : {}) }) };
  } finally {
    line.done();
  }
}

/** `ferry plan`: validate, plan, write the plan file, print a summary. */
export async function planCommand(opts: PlanRunOptions): Promise<number> {
  const { plan } = await makePlan(opts.dir, opts.stack, opts.keep, opts.state);
  const text = serializePlan(plan);
  const out = opts.out ?? (opts.json ? undefined : join(opts.dir, "plans", "plan.json"));
  if (out !== undefined) await writeFileAtomic(out, text);
  // A plan carries no time of its own: remember when it was first made here, so an approval
  // dated before it can be refused.
  // Best effort: a read-only checkout still plans; only this one check is then not possible.
  await stateFor(opts).recordPlanMade(plan.hash).catch(() => undefined);
  const summary = planSummaryText(plan) + (out ? `plan written to ${out}\n` : "");
  if (opts.json) {
    process.stdout.write(text);
    process.stderr.write(summary);
  } else {
    process.stdout.write(summary);
  }
  return 0;
}
