/**
 * Each application's runbook timing (src/timing/wave-timing.ts), computed once per runbook for
 * the applications that cannot differ. The planner places with it and the pack draws with it,
 * from the same estate, runbooks and recorded actuals, so both see the same schedule.
 */
import type { Application, Dataset } from "../model/estate.js";
import type { Runbook } from "../model/runbook.js";
import { profileOf, type RunbookTiming } from "./simulate.js";
import type { StepActuals } from "./types.js";
import { runbookTiming } from "./wave-timing.js";

/** Gigabytes each application's data sets move (decision `migrate` or `archive`), by application id. */
export function movingGb(datasets: readonly Dataset[]): Map<string, number> {
  const gb = new Map<string, number>();
  for (const d of datasets) if (d.decision !== "destroy") gb.set(d.application, (gb.get(d.application) ?? 0) + d.sizeGb);
  return gb;
}

/**
 * Each application's runbook timing, shared between applications that cannot differ (no
 * estimates of their own, and no data or a runbook without `perGb`): a 100k estate has a
 * handful of runbooks, so this is a handful of computations.
 */
export class TimingCatalogue {
  private readonly shared = new Map<string, RunbookTiming>();
  private readonly p90 = new WeakMap<RunbookTiming, number>();
  private readonly gb: Map<string, number>;
  private readonly perGb = new Map<string, boolean>();

  constructor(
    private readonly runbooks: ReadonlyMap<string, { runbook: Runbook }>,
    datasets: readonly Dataset[],
    private readonly actuals: StepActuals | undefined,
  ) {
    this.gb = movingGb(datasets);
  }

  /** The runbook timing of one application; undefined when its runbook is missing. */
  of(f: { app: Pick<Application, "id" | "estimates">; runbook: string }): RunbookTiming | undefined {
    const rb = this.runbooks.get(f.runbook)?.runbook;
    if (!rb) return undefined;
    let usesGb = this.perGb.get(f.runbook);
    if (usesGb === undefined) {
      usesGb = [...rb.precheck, ...rb.steps, ...rb.verify, ...rb.steps.flatMap((s) => (s.rollback ? [s.rollback] : []))].some((e) => typeof e.estimate === "object" && e.estimate.perGb !== undefined);
      this.perGb.set(f.runbook, usesGb);
    }
    const gb = this.gb.get(f.app.id) ?? 0;
    const own = f.app.estimates && Object.keys(f.app.estimates).length > 0 ? f.app.estimates : undefined;
    if (own || (usesGb && gb > 0)) return runbookTiming(rb, own, gb, this.actuals);
    let t = this.shared.get(f.runbook);
    if (!t) this.shared.set(f.runbook, (t = runbookTiming(rb, undefined, 0, this.actuals)));
    return t;
  }

  /** One application's own duration at P90, ms (0 when its runbook is missing). */
  p90Of(f: { app: Pick<Application, "id" | "estimates">; runbook: string }): number {
    const t = this.of(f);
    if (!t) return 0;
    let ms = this.p90.get(t);
    if (ms === undefined) this.p90.set(t, (ms = profileOf(t, "p90").durationMs));
    return ms;
  }
}

