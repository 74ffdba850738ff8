import { join } from "node:path";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import { UsageError } from "../model/diagnostics.js";
import type { Project } from "../model/load.js";
import type { Plan } from "../model/plan.js";
import { planWaves, serializePlan } from "../planner/index.js";
import { planSummaryText } from "../report/summary.js";
import { loadValidProject } from "./shared/load-project.js";
import { statusLine } from "./shared/status-line.js";

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
}

/** Load and validate the project, then plan it. Throws InputError (exit 2) on invalid input. */
export async function makePlan(dir: string, stack?: string): Promise<{ project: Project; plan: Plan }> {
  const line = statusLine();
  try {
    const project = await loadValidProject(dir, line);
    if (stack !== undefined && !project.stacks.has(stack)) {
      const known = [...project.stacks.keys()].sort();
      throw new UsageError(`there is no stack ${stack} in ${join(dir, "stacks")}`, "usage", known.length ? `Known stacks: ${known.join(", ")}.` : "Add stacks/Pulumi.<env>.yaml, or leave out --stack.");
    }
    line.update(`planning waves (${project.estate.applications.length.toLocaleString("en-GB")} applications in the estate)…`, true);
    return { project, plan: planWaves(project, { stack }) };
  } finally {
    line.done();
  }
}

/** `ferry plan`: validate, plan, write the plan file, print a summary. */
export async function planCommand(opts: PlanRunOptions): Promise<number> {
  const { plan } = await makePlan(opts.dir, opts.stack);
  const text = serializePlan(plan);
  const out = opts.out ?? (opts.json ? undefined : join(opts.dir, "plans", "plan.json"));
  if (out !== undefined) await writeFileAtomic(out, text);
  const summary = planSummaryText(plan) + (out ? `plan written to ${out}\n` : "");
  if (opts.json) {
    process.stdout.write(text);
    process.stderr.write(summary);
  } else {
    process.stdout.write(summary);
  }
  return 0;
}
