/**
 * `ferry timings`: what each runbook step actually took across every journal in the state
 * directory, rehearsals and real runs each labelled, against what the runbook (or the
 * application) estimated. Prints nothing; the CLI renders the result.
 */
import type { Project } from "../model/load.js";
import type { Runbook } from "../model/runbook.js";
import { estimateFor, type EntryKind } from "../timing/estimate.js";
import { readActuals, quantile, summarize, groupSamples, type ActualSample, type UnreadableJournal } from "../timing/actuals.js";
import { MIN_ACTUALS } from "../timing/types.js";
import { UsageError } from "../model/diagnostics.js";
import { loadContextProject, stateOf, type RunsContext } from "./context.js";
import { movingGb } from "../planner/window-fit.js";

/** Count, median and 90th percentile of some durations (ms). */
export interface DurationSummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
}

/** What the estimate behind a step says, over the applications it was measured on. */
export interface EstimateSummary {
  /** The median of the estimates' P50 over the measured executions (they differ where an application has its own). */
  p50Ms: number;
  p90Ms: number;
  /** `estimate` when every execution had a written estimate, else `default` (some were not estimated). */
  source: "estimate" | "default";
  /** The applications measured did not all have the same estimate. */
  varies: boolean;
}

/** One runbook entry's actuals. */
export interface StepTimings {
  runbook: string;
  step: string;
  kind: EntryKind;
  /** Rehearsals and real runs together. */
  all: DurationSummary;
  rehearsals?: DurationSummary;
  real?: DurationSummary;
  /** Runs measured (an entry runs once per application). */
  runs: number;
  /** The estimate, where the runbook and step are still in the project. */
  estimate?: EstimateSummary;
  /**
   * Drift of the actuals from the estimate: the median over executions of actual ÷ that
   * application's estimate (P50), minus 1. +0.25 means a quarter longer than estimated.
   */
  drift?: number;
  /** Planning uses these actuals instead of the runbook's estimate (at least `MIN_ACTUALS`, and no own or per-GB estimate in the way). */
  replacesEstimate: boolean;
}

export interface TimingsReport {
  /** How many measured executions replace a runbook's estimate in planning. */
  minActuals: number;
  steps: StepTimings[];
  /** Runs measured: rehearsals and real. */
  runs: { rehearsals: number; real: number };
  unreadable: UnreadableJournal[];
  /** Runbooks measured that the project no longer has: their steps have no estimate. */
  unknownRunbooks: string[];
}

export interface TimingsOptions {
  /** Only this runbook. */
  runbook?: string;
}

/** Runbook order: prechecks, then each step followed by its rollback, then verify gates. */
function entryOrder(runbook: Runbook | undefined): Map<string, number> {
  const order = new Map<string, number>();
  if (!runbook) return order;
  for (const p of runbook.precheck) order.set(`precheck/${p.id}`, order.size);
  for (const s of runbook.steps) order.set(`step/${s.id}`, order.size);
  for (const v of runbook.verify) order.set(`verify/${v.id}`, order.size);
  for (const s of runbook.steps) order.set(`rollback/${s.id}`, order.size);
  return order;
}

/** Actual durations per runbook step from every journal, with their drift from the estimates. */
export async function timingsReport(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "loadProject">, opts: TimingsOptions = {}): Promise<TimingsReport> {
  const project = await loadContextProject(ctx);
  if (opts.runbook !== undefined && !project.runbooks.has(opts.runbook)) {
    const known = [...project.runbooks.keys()].sort();
    throw new UsageError(`there is no runbook ${opts.runbook} in runbooks/`, "usage", known.length ? `Runbooks: ${known.join(", ")}.` : "Add runbooks/<name>.yaml first.");
  }
  const reading = await readActuals(stateOf(ctx));
  const samples = opts.runbook === undefined ? reading.samples : reading.samples.filter((s) => s.runbook === opts.runbook);
  const apps = new Map(project.estate.applications.map((a) => [a.id, a]));
  const gb = movingGb(project.estate.datasets);
  const steps: StepTimings[] = [];
  for (const group of groupSamples(samples).values()) {
    const first = group[0]!;
    const runbook = project.runbooks.get(first.runbook)?.runbook;
    steps.push(stepTimings(first, group, runbook, (s) => {
      const app = apps.get(s.app);
      return { applicationEstimates: app?.estimates, datasetGb: gb.get(s.app) ?? 0 };
    }));
  }
  const orders = new Map<string, Map<string, number>>();
  const orderOf = (t: StepTimings) => {
    let order = orders.get(t.runbook);
    if (!order) orders.set(t.runbook, (order = entryOrder(project.runbooks.get(t.runbook)?.runbook)));
    return order.get(`${t.kind}/${t.step}`) ?? Number.MAX_SAFE_INTEGER;
  };
  steps.sort((a, b) => (a.runbook < b.runbook ? -1 : a.runbook > b.runbook ? 1 : orderOf(a) - orderOf(b)));
  const runKinds = new Map(samples.map((s) => [s.runId, s.rehearsal]));
  const rehearsals = [...runKinds.values()].filter(Boolean).length;
  return {
    minActuals: MIN_ACTUALS,
    steps,
    runs: { rehearsals, real: runKinds.size - rehearsals },
    unreadable: reading.unreadable,
    unknownRunbooks: [...new Set(samples.map((s) => s.runbook))].filter((r) => !project.runbooks.has(r)).sort(),
  };
}

type AppInputs = (s: ActualSample) => { applicationEstimates: NonNullable<Project["estate"]["applications"][number]["estimates"]> | undefined; datasetGb: number };

function stepTimings(first: ActualSample, group: readonly ActualSample[], runbook: Runbook | undefined, inputsOf: AppInputs): StepTimings {
  const rehearsed = group.filter((s) => s.rehearsal);
  const real = group.filter((s) => !s.rehearsal);
  const rollback = first.kind === "rollback";
  const ratios: number[] = [];
  const estimates: { p50Ms: number; p90Ms: number; source: string }[] = [];
  // Planning puts actuals in place of the runbook's own estimate only: an application's own
  // figure, or one driven by its data, still wins (timing/estimate.ts).
  let overridden = false;
  if (runbook) {
    for (const s of group) {
      let e;
      try {
        e = estimateFor({ runbook, step: s.step, rollback, ...inputsOf(s) });
      } catch {
        continue; // the step is no longer in the runbook
      }
      estimates.push(e);
      if (e.p50Ms > 0) ratios.push(s.ms / e.p50Ms);
      const own = !rollback && inputsOf(s).applicationEstimates?.[s.step] !== undefined;
      if (own || isPerGb(runbook, s.step, rollback)) overridden = true;
    }
  }
  const p50s = estimates.map((e) => e.p50Ms);
  const estimate: EstimateSummary | undefined =
    estimates.length === 0
      ? undefined
      : {
          p50Ms: summarize(p50s).p50Ms,
          p90Ms: summarize(estimates.map((e) => e.p90Ms)).p50Ms,
          source: estimates.every((e) => e.source === "estimate") ? "estimate" : "default",
          varies: new Set(p50s).size > 1,
        };
  const ratio = ratios.length ? quantile([...ratios].sort((a, b) => a - b), 0.5) : undefined;
  return {
    runbook: first.runbook,
    step: first.step,
    kind: first.kind,
    all: summarize(group.map((s) => s.ms)),
    ...(rehearsed.length ? { rehearsals: summarize(rehearsed.map((s) => s.ms)) } : {}),
    ...(real.length ? { real: summarize(real.map((s) => s.ms)) } : {}),
    runs: new Set(group.map((s) => s.runId)).size,
    ...(estimate ? { estimate } : {}),
    ...(ratio !== undefined ? { drift: Math.round((ratio - 1) * 1000) / 1000 } : {}),
    replacesEstimate: group.length >= MIN_ACTUALS && !overridden,
  };
}

/** Whether the runbook's estimate of the entry scales with the data (`perGb`): actuals do not replace it. */
function isPerGb(runbook: Runbook, step: string, rollback: boolean): boolean {
  const entry = [...runbook.precheck, ...runbook.steps, ...runbook.verify].find((e) => e.id === step);
  const spec = rollback ? (entry as Runbook["steps"][number] | undefined)?.rollback?.estimate : entry?.estimate;
  return spec !== undefined && typeof spec !== "string" && spec.perGb !== undefined;
}
