/**
 * What one runbook entry (step, precheck, verify gate, or a step's rollback) is expected to
 * take for one application. Precedence, most specific first:
 *
 * 1. the application's own `estimates.<step>` in the estate;
 * 2. a data-set-driven runbook estimate (`perGb`), scaled by the application's data;
 * 3. measured actuals of this runbook step, once there are `MIN_ACTUALS` of them;
 * 4. the runbook's `estimate`;
 * 5. the documented default (`source: "default"`, "not estimated" in the pack).
 *
 * Actuals do not override 1 and 2: the same step's duration on other applications' data says
 * little about an application whose data set is ten times bigger, which is why both exist.
 */
import { durationMs } from "../model/common.js";
import type { EstimateSpec, Runbook } from "../model/runbook.js";
import { MIN_ACTUALS, actualsKey, rollbackStep } from "./types.js";
import type { Estimate, StepActuals } from "./types.js";

/** P90 of an estimate written as a single duration (`estimate: 20m`): 1.5 × it. */
export const P90_FACTOR = 1.5;

/** Default of a step (or approval gate) without an estimate: P50 10 minutes, P90 30 minutes. */
export const DEFAULT_STEP: Readonly<Estimate> = { p50Ms: 10 * 60_000, p90Ms: 30 * 60_000, source: "default" };
/** Default of a precheck without an estimate: P50 1 minute, P90 2 minutes. */
export const DEFAULT_PRECHECK: Readonly<Estimate> = { p50Ms: 60_000, p90Ms: 2 * 60_000, source: "default" };
/** Default of a verify gate without an estimate: P50 1 minute (at most `within`), P90 its `within`. */
export const DEFAULT_VERIFY_P50_MS = 60_000;

export type EntryKind = "precheck" | "step" | "verify" | "rollback";

export interface EstimateRequest {
  runbook: Runbook;
  /** The step, precheck or verify gate id; with `rollback: true`, the step whose rollback is meant. */
  step: string;
  /** The step's rollback rather than the step itself. @default false */
  rollback?: boolean;
  /** The application's own `estimates` from the estate, by step id. */
  applicationEstimates?: Readonly<Record<string, EstimateSpec>> | undefined;
  /** Gigabytes of the application's data sets that move (decision `migrate` or `archive`). @default 0 */
  datasetGb?: number;
  /** Measured durations from past runs' journals. @default none */
  actuals?: StepActuals | undefined;
}

/** The `Estimate` of one runbook entry for one application. Throws on an unknown step id. */
export function estimateFor(req: EstimateRequest): Estimate {
  const entry = entryOf(req.runbook, req.step);
  if (!entry) throw new Error(`runbook ${req.runbook.name} has no step, precheck or verify gate ${req.step}`);
  const gb = req.datasetGb ?? 0;
  const kind: EntryKind = req.rollback ? "rollback" : entry.kind;
  if (kind === "rollback" && entry.kind !== "step") throw new Error(`${req.step} is a ${entry.kind}, which has no rollback`);

  // 1. The application's own figure (forward entries only: a rollback is the runbook's).
  const own = kind === "rollback" ? undefined : req.applicationEstimates?.[req.step];
  if (own !== undefined) return fromSpec(own, gb);

  const spec = kind === "rollback" ? (entry.value as Runbook["steps"][number]).rollback?.estimate : entry.value.estimate;
  // 2. Data-set-driven.
  if (spec !== undefined && typeof spec !== "string" && spec.perGb !== undefined) return fromSpec(spec, gb);
  // 3. Actuals.
  const measured = req.actuals?.get(actualsKey(req.runbook.name, kind === "rollback" ? rollbackStep(req.step) : req.step));
  if (measured && measured.count >= MIN_ACTUALS) {
    return { p50Ms: measured.p50Ms, p90Ms: Math.max(measured.p50Ms, measured.p90Ms), source: "actuals", count: measured.count };
  }
  // 4. The runbook's estimate.
  if (spec !== undefined) return fromSpec(spec, gb);
  // 5. Defaults.
  return defaultFor(kind, entry, gb);
}

/** An estimate spec in milliseconds for an application with `gb` gigabytes of data moving. */
export function fromSpec(spec: EstimateSpec, gb: number): Estimate {
  if (typeof spec === "string") {
    const p50 = durationMs(spec);
    return { p50Ms: p50, p90Ms: Math.round(p50 * P90_FACTOR), source: "estimate" };
  }
  const base50 = spec.p50 !== undefined ? durationMs(spec.p50) : 0;
  const base90 = spec.p90 !== undefined ? durationMs(spec.p90) : Math.round(base50 * P90_FACTOR);
  let per50 = 0;
  let per90 = 0;
  if (typeof spec.perGb === "string") {
    per50 = durationMs(spec.perGb);
    per90 = per50 * P90_FACTOR;
  } else if (spec.perGb) {
    per50 = durationMs(spec.perGb.p50);
    per90 = durationMs(spec.perGb.p90);
  }
  const p50Ms = Math.round(base50 + per50 * gb);
  return { p50Ms, p90Ms: Math.max(p50Ms, Math.round(base90 + per90 * gb)), source: "estimate" };
}

type Entry =
  | { kind: "precheck"; value: Runbook["precheck"][number] }
  | { kind: "step"; value: Runbook["steps"][number] }
  | { kind: "verify"; value: Runbook["verify"][number] };

const indexes = new WeakMap<Runbook, Map<string, Entry>>();

function entryOf(runbook: Runbook, id: string): Entry | undefined {
  let index = indexes.get(runbook);
  if (!index) {
    index = new Map<string, Entry>();
    for (const value of runbook.precheck) index.set(value.id, { kind: "precheck", value });
    for (const value of runbook.steps) index.set(value.id, { kind: "step", value });
    for (const value of runbook.verify) index.set(value.id, { kind: "verify", value });
    indexes.set(runbook, index);
  }
  return index.get(id);
}

function defaultFor(kind: EntryKind, entry: Entry, gb: number): Estimate {
  switch (kind) {
    case "precheck":
      return { ...DEFAULT_PRECHECK };
    case "verify": {
      // The gate gives up at `within`: the engine never waits longer, so neither does the plan.
      const within = durationMs((entry.value as Runbook["verify"][number]).within);
      return { p50Ms: Math.min(DEFAULT_VERIFY_P50_MS, within), p90Ms: within, source: "default" };
    }
    case "step":
    case "rollback": {
      const step = entry.value as Runbook["steps"][number];
      // A step without a rollback has nothing to undo.
      if (kind === "rollback" && step.rollback === undefined) return { p50Ms: 0, p90Ms: 0, source: "estimate" };
      // A `wait` step says exactly how long it takes, forward; undoing it takes nothing.
      if (step.wait !== undefined) {
        if (kind === "rollback") return { p50Ms: 0, p90Ms: 0, source: "estimate" };
        const ms = durationMs(typeof step.wait === "string" ? step.wait : step.wait.for);
        return { p50Ms: ms, p90Ms: ms, source: "estimate" };
      }
      // Undoing a step without its own rollback estimate: as long as doing it.
      if (kind === "rollback" && step.estimate !== undefined) return { ...fromSpec(step.estimate, gb), source: "default" };
      return { ...DEFAULT_STEP };
    }
  }
}
