/**
 * `ferry requirements [--plan F --wave N] [--json]`: what the operator must provide (environment
 * variables, tools on PATH) for every runbook, or for one wave, and whether this machine has it.
 * Names only: values are never printed.
 */
import { readTrustedPlan, findWave } from "../runs/plan.js";
import { loadContextProject } from "../runs/context.js";
import { requirementsOf } from "../runs/requirements.js";
import { UsageError } from "../model/diagnostics.js";
import { runsContext, waveNumber, type StateFlags } from "./common/flags.js";

export interface RequirementsFlags extends StateFlags {
  plan?: string;
  wave?: string;
  json?: boolean;
}

export async function requirementsCommand(flags: RequirementsFlags): Promise<number> {
  if ((flags.plan === undefined) !== (flags.wave === undefined)) throw new UsageError("--plan and --wave go together: the requirements of one wave of a plan");
  const ctx = runsContext(flags);
  let runbooks;
  let scope = "every runbook";
  if (flags.plan !== undefined) {
    const { plan, project } = await readTrustedPlan(ctx, flags.plan);
    const wave = findWave(plan, flags.plan, waveNumber(flags.wave!));
    runbooks = new Set(wave.applications.map((a) => project.runbooks.get(a.runbook)).filter((r) => r !== undefined));
    scope = `wave ${wave.number} of ${flags.plan}`;
  } else {
    runbooks = (await loadContextProject(ctx)).runbooks.values();
  }
  const list = requirementsOf(runbooks, process.env);
  if (flags.json) {
    process.stdout.write(JSON.stringify({ ok: list.every((r) => r.present), requirements: list }) + "\n");
    return 0;
  }
  if (list.length === 0) {
    process.stdout.write(`${scope}: nothing to provide\n`);
    return 0;
  }
  const lines = list.map((r) => `  ${r.present ? "✓" : "✗"} ${r.kind === "env" ? "env " : "tool"} ${r.name.padEnd(16)} ${r.for ?? ""}  (${r.runbooks.join(", ")})`);
  const missing = list.filter((r) => !r.present).length;
  process.stdout.write(`${scope} needs:\n${lines.join("\n")}\n${missing ? `${missing} missing on this machine.` : "all present on this machine."}\n`);
  return 0;
}
