import { UsageError } from "../model/diagnostics.js";
import { Plan } from "../model/plan.js";
import { positionOf, YamlSource } from "../model/yaml-source.js";
import { computePlanHash } from "./canonical.js";
import { digestInputs } from "./inputs-digest.js";
import type { PlanInputs } from "./inputs.js";

/** The result of checking a plan's `hash` against its content. */
export interface HashCheck {
  ok: boolean;
  /** The hash the plan claims. */
  recorded: string;
  /** The hash its content actually has. */
  computed: string;
}

/** Recompute a plan's hash (RFC 8785 JSON without `hash`) and compare it with the recorded one. */
export function verifyPlanHash(plan: Readonly<Record<string, unknown>>): HashCheck {
  const recorded = typeof plan.hash === "string" ? plan.hash : "";
  const computed = computePlanHash(plan);
  return { ok: recorded === computed, recorded, computed };
}

/** One input that changed since the plan was made. */
export interface Drift {
  input: "estate" | "stack" | "runbook" | "inputs";
  /** Stack environment or runbook name; absent for the estate. */
  name?: string;
  change: "changed" | "added" | "removed";
  /** A sentence for the operator. */
  message: string;
}

/** The result of {@link checkInputsCurrent}. */
export interface InputsCheck {
  current: boolean;
  drifted: Drift[];
}

/**
 * Compare the inputs a plan was made from with the project as it is now: the estate, every
 * stack config and each runbook the plan uses. Names exactly what drifted, so the operator
 * knows whether to re-plan or to restore a file.
 */
export function checkInputsCurrent(plan: Pick<Plan, "inputsDigest" | "estateDigest" | "stacks" | "runbooks">, project: PlanInputs): InputsCheck {
  const now = digestInputs(project, Object.keys(plan.runbooks ?? {}));
  const drifted: Drift[] = [];
  if (plan.estateDigest === undefined || plan.stacks === undefined || plan.runbooks === undefined) {
    // A plan without per-input digests can only be compared as a whole.
    if (now.inputsDigest !== plan.inputsDigest) drifted.push({ input: "inputs", change: "changed", message: "the inputs (estate, stacks or runbooks) changed since the plan was made" });
    return { current: drifted.length === 0, drifted };
  }
  if (now.estate !== plan.estateDigest) drifted.push({ input: "estate", change: "changed", message: "estate/ changed since the plan was made" });
  const names = [...new Set([...Object.keys(plan.stacks), ...Object.keys(now.stacks)])].sort();
  for (const name of names) {
    const was = plan.stacks[name];
    const is = now.stacks[name];
    if (was === is) continue;
    const change = was === undefined ? "added" : is === undefined ? "removed" : "changed";
    drifted.push({ input: "stack", name, change, message: `stack ${name} (stacks/Pulumi.${name}.yaml) was ${change} since the plan was made` });
  }
  for (const name of Object.keys(plan.runbooks).sort()) {
    const was = plan.runbooks[name];
    const is = now.runbooks[name];
    if (was === is) continue;
    const change = is === "missing" ? "removed" : "changed";
    drifted.push({ input: "runbook", name, change, message: `runbook ${name} was ${change} since the plan was made` });
  }
  if (drifted.length === 0 && now.inputsDigest !== plan.inputsDigest) {
    drifted.push({ input: "inputs", change: "changed", message: "the plan's inputsDigest does not match its recorded input digests" });
  }
  return { current: drifted.length === 0, drifted };
}

/** A plan read from disk: the raw object (what the hash covers) and its checked view. */
export interface LoadedPlan {
  raw: Record<string, unknown>;
  plan: Plan;
}

/**
 * Parse a plan file's text and check its shape. The raw object is kept: the hash must be
 * verified over exactly what was written, not over a re-serialised copy.
 */
export function parsePlan(text: string, file: string): LoadedPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/ \(line \d+ column \d+\)$/, "");
    const at = /at position (\d+)/.exec(message);
    const where = at ? `:${lineColumn(text, Number(at[1]))}` : "";
    throw new UsageError(`${file}${where}: not valid JSON: ${message}`, "plan-invalid", REGENERATE);
  }
  const parsed = Plan.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Plans are read without positions (they are large); the one failing field is located by
    // re-reading the text with yaml, which parses JSON too, unless the plan is too big for that
    // to be quick: then the field's path alone says where.
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    const at = text.length <= LOCATE_MAX_CHARS ? positionOf(new YamlSource(file, text), path) : undefined;
    const where = at ? `:${at.line}:${at.column}` : "";
    throw new UsageError(`${file}${where}: not a ferry plan: ${path.join(".") || "(top level)"}: ${issue.message}`, "plan-invalid", REGENERATE);
  }
  return { raw: raw as Record<string, unknown>, plan: parsed.data };
}

/** Largest plan text whose failing field is located by line: yaml reads about 2 MB a second. */
const LOCATE_MAX_CHARS = 2 * 1024 * 1024;
const REGENERATE = "Regenerate it with `ferry plan` rather than editing it.";

/** `line:column` (1-based) of a UTF-16 offset into `text`. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}

/**
 * Refuse a plan that was edited after `ferry plan` wrote it, or whose inputs drifted since.
 * Throws a UsageError with code `plan-tampered` or `plan-drift`; returns when it can be trusted.
 */
export function assertPlanTrusted(loaded: LoadedPlan, file: string, project: PlanInputs): void {
  const hash = verifyPlanHash(loaded.raw);
  if (!hash.ok) {
    throw new UsageError(
      `${file} was modified after it was planned: its content hashes to ${hash.computed}, but it records ${hash.recorded || "no hash"}`,
      "plan-tampered",
      "A change board approves exactly what was planned. Re-run `ferry plan` rather than editing the file.",
    );
  }
  const inputs = checkInputsCurrent(loaded.plan, project);
  if (!inputs.current) {
    throw new UsageError(
      `${file} no longer matches its inputs: ${inputs.drifted.map((d) => d.message).join("; ")}`,
      "plan-drift",
      "Re-run `ferry plan` (and have the new plan approved), or restore the inputs the plan was made from.",
    );
  }
}
