/**
 * Each application's runbook timing (src/timing/wave-timing.ts), computed once per runbook for
 * the applications that cannot differ. The planner places with it and the pack draws with it,
 * from the same estate, runbooks and recorded actuals, so both see the same schedule.
 */
import type { Application, Dataset } from "../model/estate.js";
import type { EstimateSpec, Runbook } from "../model/runbook.js";
import { estimateFor } from "./estimate.js";
import type { RunbookTiming, TimedEntry } from "./simulate.js";
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
  private readonly own = new Map<string, RunbookTiming>();
  private readonly gb: Map<string, number>;
  /** Per runbook: the ids of entries whose estimate (or rollback's) scales with data, or none. */
  private readonly scaling = new Map<string, { forward: Set<string>; rollback: string[] }>();

  constructor(
    private readonly runbooks: ReadonlyMap<string, { runbook: Runbook }>,
    datasets: readonly Dataset[],
    private readonly actuals: StepActuals | undefined,
  ) {
    this.gb = movingGb(datasets);
  }

  private scalingOf(name: string, rb: Runbook): { forward: Set<string>; rollback: string[] } {
    let s = this.scaling.get(name);
    if (!s) {
      const byData = (e: { estimate?: EstimateSpec | undefined }) => typeof e.estimate === "object" && e.estimate.perGb !== undefined;
      s = {
        forward: new Set([...rb.precheck, ...rb.steps, ...rb.verify].filter(byData).map((e) => e.id)),
        // A rollback scales with data through its own estimate, or, without one, through its step's.
        rollback: rb.steps.filter((st) => st.rollback && (byData(st.rollback) || (st.rollback.estimate === undefined && byData(st)))).map((st) => st.id),
      };
      this.scaling.set(name, s);
    }
    return s;
  }

  private sharedOf(name: string, rb: Runbook): RunbookTiming {
    let t = this.shared.get(name);
    if (!t) this.shared.set(name, (t = runbookTiming(rb, undefined, 0, this.actuals)));
    return t;
  }

  /** Per runbook, looked up once: the runbook, what scales with data, and the shared timing. */
  private readonly byRunbook = new Map<string, { rb: Runbook; scaling: { forward: Set<string>; rollback: string[] }; scales: boolean; shared: RunbookTiming } | null>();

  private runbookEntry(name: string) {
    let r = this.byRunbook.get(name);
    if (r === undefined) {
      const rb = this.runbooks.get(name)?.runbook;
      if (!rb) r = null;
      else {
        const scaling = this.scalingOf(name, rb);
        r = { rb, scaling, scales: scaling.forward.size > 0 || scaling.rollback.length > 0, shared: this.sharedOf(name, rb) };
      }
      this.byRunbook.set(name, r);
    }
    return r;
  }

  /** The runbook timing of one application; undefined when its runbook is missing. */
  of(f: { app: Pick<Application, "id" | "estimates">; runbook: string }): RunbookTiming | undefined {
    const r = this.runbookEntry(f.runbook);
    if (!r) return undefined;
    const own = f.app.estimates !== undefined && Object.keys(f.app.estimates).length > 0 ? f.app.estimates : undefined;
    const gb = r.scales ? (this.gb.get(f.app.id) ?? 0) : 0;
    // Most applications of a big estate: nothing of their own, nothing that scales.
    if (!own && gb === 0) return r.shared;
    const cached = this.own.get(f.app.id);
    if (cached) return cached;
    const { rb, scaling } = r;
    if (own) {
      const t = runbookTiming(rb, own, this.gb.get(f.app.id) ?? 0, this.actuals);
      this.own.set(f.app.id, t);
      return t;
    }
    const base = r.shared;
    // Only the entries that scale with data differ from the shared timing: recompute those.
    const at = <E extends TimedEntry>(e: E): E => (scaling.forward.has(e.id) ? { ...e, estimate: estimateFor({ runbook: rb, step: e.id, datasetGb: gb, actuals: this.actuals }) } : e);
    let rollbackP50Ms = base.rollbackP50Ms;
    let rollbackP90Ms = base.rollbackP90Ms;
    for (const id of scaling.rollback) {
      const was = estimateFor({ runbook: rb, step: id, rollback: true, datasetGb: 0, actuals: this.actuals });
      const now = estimateFor({ runbook: rb, step: id, rollback: true, datasetGb: gb, actuals: this.actuals });
      rollbackP50Ms += now.p50Ms - was.p50Ms;
      rollbackP90Ms += now.p90Ms - was.p90Ms;
    }
    const t: RunbookTiming = { prechecks: base.prechecks.map(at), steps: base.steps.map(at), verify: base.verify.map(at), rollbackP50Ms, rollbackP90Ms };
    this.own.set(f.app.id, t);
    return t;
  }
}
