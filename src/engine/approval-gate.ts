/**
 * An approval step: it does not retry and has nothing to check; it passes when
 * `ferry gate approve` journalled a release for this run, step and plan, and otherwise parks
 * the application (others go on). The approval action, given the recorded release in
 * `ctx.gate`, has the last word (e.g. the approvers list).
 */
import type { ActionOutput } from "../actions/types.js";
import type { EventError } from "../model/run-event.js";
import { toEventError } from "./event-error.js";
import type { PreparedStep } from "./prepare.js";
import { renderFor } from "./render.js";
import { DEFAULT_PROBE_TIMEOUT_MS, runActionOnce } from "./run-action.js";
import type { AppRun, StepRunnerDeps } from "./run-context.js";
import type { StepState } from "./state.js";
import { outputsForJournal } from "./step-outputs.js";

/** How an approval step ends (a subset of step.ts's StepOutcome). */
export type ApprovalOutcome = { status: "succeeded" } | { status: "failed"; error: EventError } | { status: "waiting" };

/** Pass the gate if it was released for this plan; otherwise journal that it waits (once). */
export async function runApprovalGate(deps: StepRunnerDeps, run: AppRun, step: PreparedStep, state: StepState): Promise<ApprovalOutcome> {
  const app = run.prepared.app.id;
  const expectedPlan = deps.events.state?.started.planHash;
  const g = state.gate;
  if (g?.approvedBy !== undefined && g.planHash === expectedPlan) {
    const release = { approvedBy: g.approvedBy, at: g.approvedAt ?? new Date().toISOString() };
    let out: ActionOutput = { approvedBy: release.approvedBy, approvedAt: release.at };
    if (deps.actions.approval) {
      try {
        out = await runActionOnce(deps, run, step.action, { defaultTimeoutMs: DEFAULT_PROBE_TIMEOUT_MS, bindings: { step: step.id }, gate: release });
      } catch (err) {
        const error = toEventError(err);
        await deps.events.emit({ type: "step.failed", app, step: step.id, attempt: Math.max(1, state.attempt), error });
        return { status: "failed", error };
      }
    }
    await deps.events.emit({ type: "step.succeeded", app, step: step.id, attempt: Math.max(1, state.attempt), via: "operator", outputs: outputsForJournal(out) });
    run.outputs.set(step.id, out);
    return { status: "succeeded" };
  }
  if (!g?.waiting) {
    const spec = step.action.template as { message: string; approvers?: string[] };
    let message = spec.message;
    try {
      message = (renderFor(run.prepared, step.action, run.outputs).spec as typeof spec).message;
    } catch {
      // Checked before the run; keep the raw text if outputs changed since.
    }
    await deps.events.emit({ type: "gate.waiting", app, step: step.id, message, approvers: spec.approvers });
  }
  return { status: "waiting" };
}
