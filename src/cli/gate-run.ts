/**
 * `ferry gate approve RUN --app A --step S --by NAME`: release an approval gate. The release is
 * a journal record bound to this run, step and plan hash, with the approver's name; the engine
 * passes the gate on the next `ferry resume`. Needs the run lock, so approve while the run is
 * stopped at its gates (it exits 4 when nothing else is left to do).
 */
import { approveGate, readRunState } from "../engine/resume.js";
import { UsageError } from "../model/diagnostics.js";
import { openRun } from "./run-resume.js";
import { stateDirOf } from "./run-wave.js";

export interface GateApproveOptions {
  app: string;
  step: string;
  by: string;
  json?: boolean;
  state?: string;
  dir: string;
}

/** `ferry gate approve`. */
export async function gateApproveCommand(runId: string, opts: GateApproveOptions): Promise<number> {
  if (!opts.by.trim()) throw new UsageError("--by must name the approver");
  const journal = await openRun(stateDirOf(opts), runId);
  try {
    const state = await readRunState(journal);
    await approveGate(journal, state, { app: opts.app, step: opts.step, by: opts.by.trim() });
  } finally {
    await journal.close();
  }
  const next = `ferry resume ${runId}${opts.dir !== "." ? ` --dir ${opts.dir}` : ""}${opts.state ? ` --state ${opts.state}` : ""}`;
  if (opts.json) process.stdout.write(JSON.stringify({ ok: true, run: runId, app: opts.app, step: opts.step, approvedBy: opts.by.trim() }) + "\n");
  else process.stdout.write(`gate ${opts.step} of ${opts.app} approved by ${opts.by.trim()} (journalled)\ncontinue the run with: ${next}\n`);
  return 0;
}
