/**
 * Release an approval gate inside a run. The release is a journal record bound to the run, the
 * step and the plan hash, with the approver's name; the engine passes the gate on the next
 * resume. Takes the run lock, so it is done while the run is stopped at its gates.
 */
import { approveGate } from "../engine/resume.js";
import { UsageError } from "../model/diagnostics.js";
import { openRun, readRunState } from "./continue.js";
import type { RunsContext } from "./context.js";

export interface GateApproval {
  app: string;
  /** The approval step. */
  step: string;
  /** Who approves: not the operator who started the run, unless the gate lists them. */
  by: string;
}

/** Journal the release of gate `step` of `app` in run `runId`. */
export async function approveRunGate(ctx: Pick<RunsContext, "stateDir" | "operator" | "warn">, runId: string, gate: GateApproval): Promise<void> {
  const by = gate.by.trim();
  if (!by) throw new UsageError("--by must name the approver");
  const journal = await openRun(ctx, runId);
  try {
    const state = await readRunState(journal, runId);
    await approveGate(journal, state, { app: gate.app, step: gate.step, by });
  } finally {
    await journal.close();
  }
}
