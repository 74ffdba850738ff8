/**
 * The post-implementation review of a run: what the plan expected of each application and
 * step against what the journal says they took. "Planned" is what the plan reasoned with: the
 * estimates of the runbooks as they are now (the run refuses runbooks that changed since it
 * started) with the measured actuals the plan recorded, at P50 and P90, and the wave's planned
 * end; "actual" is measured as `ferry timings` measures it (timing/actuals.ts). Prints nothing.
 */
import { resolve } from "node:path";
import type { Project } from "../model/load.js";
import type { Plan } from "../model/plan.js";
import { readPlanFile } from "../model/plan-file.js";
import type { RunEvent } from "../model/run-event.js";
import type { RunState } from "../engine/state.js";
import type { EntryKind } from "../timing/estimate.js";
import { samplesOfRun } from "../timing/actuals.js";
import { profileOf } from "../timing/simulate.js";
import type { Estimate } from "../timing/types.js";
import { runbookTiming } from "../timing/wave-timing.js";
import { movingGb } from "../planner/window-fit.js";
import { loadContextProject, stateOf, type RunsContext } from "./context.js";
import { planActuals } from "./forecast.js";

/** One runbook entry of one application: planned against actual. */
export interface ReviewEntry {
  kind: EntryKind;
  id: string;
  /** What the plan expected, where the runbook is in the project. */
  planned?: { p50Ms: number; p90Ms: number; source: Estimate["source"] };
  /** What it took, when it was measured (it finished in one go). */
  actualMs?: number;
}

export interface ReviewApp {
  app: string;
  runbook: string;
  status: string;
  /** The application's own expected duration at P50 and P90 (its longest chain), ms. */
  planned?: { p50Ms: number; p90Ms: number };
  /** From its first `app.started` to its last `app.finished`, ms (including any time stopped). */
  actualMs?: number;
  entries: ReviewEntry[];
}

export interface RunReview {
  /** Whether planned figures could be given: from the run's plan, or none (no project or plan to read). */
  planned: "plan" | "estimates" | "none";
  /** Why there are no planned figures, when there are none. */
  note?: string;
  /** The wave's planned end (P50, P90) and its window, from the plan's `timing`. */
  wave?: { plannedP50Ms?: number; plannedP90Ms?: number; plannedEndP50?: string; plannedEndP90?: string; windowEndsAt?: string; rollbackDecisionAt?: string };
  /** The calendar's timezone, in which the council reads these times. */
  timezone: string;
  startedAt: string;
  /** The run's last `run.finished`. */
  endedAt?: string;
  applications: ReviewApp[];
}

/** Read the plan a run started with, when it is still at its `planFile` with the run's hash. */
async function planOfRun(dir: string, state: RunState): Promise<Plan | undefined> {
  const { planFile, planHash } = state.started;
  if (!planFile || !planHash) return undefined;
  for (const file of [planFile, resolve(dir, planFile)]) {
    const plan = await readPlanFile(file).then(
      (l) => l.plan,
      () => undefined,
    );
    if (plan?.hash === planHash) return plan;
  }
  return undefined;
}

/** The planned-against-actual review of run `state`, its events read again from the state. */
export async function runReview(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "loadProject">, state: RunState): Promise<RunReview> {
  const { records } = await stateOf(ctx).readRun(state.runId);
  const events = records.map((r) => r.event as RunEvent);
  let project: Project | undefined;
  let note: string | undefined;
  try {
    project = await loadContextProject(ctx);
  } catch (err) {
    note = `the project could not be loaded (${(err as Error).message.split("\n")[0]}): no planned figures`;
  }
  const plan = project ? await planOfRun(ctx.dir, state) : undefined;
  if (project && !plan) note = `the run's plan (${state.started.planFile ?? "none recorded"}) is not there with the run's hash: planned figures are the runbooks' estimates without measured actuals`;
  return reviewOf(state, events, project, plan, note);
}

/** The review from a run's state and events, the project and the run's plan (pure). */
export function reviewOf(state: RunState, events: readonly RunEvent[], project: Project | undefined, plan: Plan | undefined, note?: string): RunReview {
  const actual = new Map<string, number>();
  for (const s of samplesOfRun(events)) actual.set(`${s.app}\u0000${s.kind}\u0000${s.step}`, s.ms);
  const appSpan = new Map<string, { from?: number; to?: number }>();
  let endedAt: string | undefined;
  for (const e of events) {
    if (e.type === "run.finished") endedAt = e.at;
    if (e.type !== "app.started" && e.type !== "app.finished") continue;
    const span = appSpan.get(e.app) ?? {};
    if (e.type === "app.started") span.from ??= Date.parse(e.at);
    else span.to = Date.parse(e.at);
    appSpan.set(e.app, span);
  }
  const actuals = plan ? planActuals(plan) : undefined;
  const gb = project ? movingGb(project.estate.datasets) : new Map<string, number>();
  const estateApps = new Map((project?.estate.applications ?? []).map((a) => [a.id, a]));
  const applications: ReviewApp[] = [];
  for (const a of state.apps.values()) {
    const rb = project?.runbooks.get(a.planned.runbook)?.runbook;
    const timing = rb ? runbookTiming(rb, estateApps.get(a.id)?.estimates, gb.get(a.id) ?? 0, actuals) : undefined;
    const entry = (kind: EntryKind, id: string, estimate: Estimate | undefined): ReviewEntry => {
      const ms = actual.get(`${a.id}\u0000${kind}\u0000${id}`);
      return { kind, id, ...(estimate ? { planned: { p50Ms: estimate.p50Ms, p90Ms: estimate.p90Ms, source: estimate.source } } : {}), ...(ms !== undefined ? { actualMs: ms } : {}) };
    };
    const entries: ReviewEntry[] = [];
    if (timing) {
      for (const p of timing.prechecks) entries.push(entry("precheck", p.id, p.estimate));
      for (const s of timing.steps) entries.push(entry("step", s.id, s.estimate));
      for (const v of timing.verify) entries.push(entry("verify", v.id, v.estimate));
    } else {
      for (const s of a.planned.steps) entries.push(entry("step", s.id, undefined));
    }
    // Rollbacks appear only where one ran.
    for (const s of a.planned.steps) if (actual.has(`${a.id}\u0000rollback\u0000${s.id}`)) entries.push(entry("rollback", s.id, undefined));
    const span = appSpan.get(a.id);
    applications.push({
      app: a.id,
      runbook: a.planned.runbook,
      status: a.status,
      ...(timing ? { planned: { p50Ms: profileOf(timing, "p50").durationMs, p90Ms: profileOf(timing, "p90").durationMs } } : {}),
      ...(span?.from !== undefined && span.to !== undefined ? { actualMs: span.to - span.from } : {}),
      entries,
    });
  }
  const wave = plan?.waves.find((w) => w.number === state.started.wave);
  const t = (wave as { timing?: { p50Ms?: number; p90Ms?: number; endsAtP50?: string; endsAtP90?: string; windowEndsAt?: string; rollbackDecisionAt?: string } } | undefined)?.timing;
  // A rehearsal ran at another time: its window is counted from its own start, as the live forecast counts it.
  const offset = wave && state.started.rehearsal ? Date.parse(state.started.at) - Date.parse(wave.window.start) : 0;
  const shift = (iso: string | undefined) => (iso === undefined || offset === 0 ? iso : new Date(Date.parse(iso) + offset).toISOString());
  return {
    planned: plan ? "plan" : project ? "estimates" : "none",
    ...(note ? { note } : {}),
    ...(t ? { wave: { plannedP50Ms: t.p50Ms, plannedP90Ms: t.p90Ms, plannedEndP50: shift(t.endsAtP50), plannedEndP90: shift(t.endsAtP90), windowEndsAt: shift(t.windowEndsAt), rollbackDecisionAt: shift(t.rollbackDecisionAt) } } : {}),
    timezone: project?.estate.calendar?.window.timezone ?? "UTC",
    startedAt: state.started.at,
    ...(endedAt ? { endedAt } : {}),
    applications,
  };
}
