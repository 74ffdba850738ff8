/**
 * `ferry status [RUN] [--json]`: a run's state folded from its journal, read without taking the
 * run lock (so it works while the run is going). Without RUN: every run in the state directory.
 * Statuses are those of docs/formats.md ("Statuses"): pending, running, succeeded, failed,
 * rolled-back, rollback-failed, uncertain, waiting, skipped.
 */
import { stateToJson, type RunState } from "../engine/state.js";
import { countStatuses } from "../engine/run.js";
import { readAllRuns, readRun } from "../runs/history.js";
import { runsContext, type StateFlags } from "./shared/flags.js";

export interface StatusFlags extends StateFlags {
  json?: boolean;
}

/** The status a person reads: interrupted runs show as such, not as `running`. */
function shownStatus(s: RunState): string {
  return s.interrupted && !s.finished ? "running (interrupted)" : s.status;
}

function runText(s: RunState): string {
  const lines = [
    `run ${s.runId}: ${shownStatus(s)}${s.exitCode !== undefined ? ` (exit ${s.exitCode})` : ""}`,
    `  started ${s.started.at} by ${s.started.operator}${s.started.wave !== undefined ? `, wave ${s.started.wave}` : ""}${s.started.planFile ? ` of ${s.started.planFile}` : ""}`,
    ...(s.started.approval ? [`  approved by ${s.started.approval.approvedBy} (${s.started.approval.changeRef})`] : []),
    `  last event ${s.lastAt}; ${s.resumes} resume(s)${s.rollback ? "; rollback requested" : ""}`,
  ];
  for (const a of s.apps.values()) {
    lines.push(`  ${a.id.padEnd(24)} ${a.status}${a.reason ? `: ${a.reason}` : ""}`);
    if (a.manual?.length) lines.push(`    finish by hand: ${a.manual.join(", ")}`);
    for (const st of a.steps.values()) {
      const extra = st.status === "uncertain" && st.uncertainInspect ? `\n        ${st.uncertainInspect}` : st.error && st.status !== "succeeded" ? ` (${st.error.message})` : "";
      lines.push(`    ${st.id.padEnd(22)} ${st.status}${st.attempt > 1 ? ` after ${st.attempt} attempts` : ""}${st.via && st.via !== "action" ? ` [${st.via}]` : ""}${st.gate?.approvedBy ? ` [approved by ${st.gate.approvedBy}]` : ""}${extra}`);
    }
  }
  return lines.join("\n") + "\n";
}

/** `ferry status`. */
export async function statusCommand(runId: string | undefined, opts: StatusFlags): Promise<number> {
  const { stateDir, warn } = runsContext(opts);
  if (runId !== undefined) {
    const s = await readRun(stateDir, runId, warn);
    process.stdout.write(opts.json ? JSON.stringify(stateToJson(s)) + "\n" : runText(s));
    return 0;
  }
  const states = await readAllRuns(stateDir, warn);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ runs: states.map(stateToJson) }) + "\n");
    return 0;
  }
  if (states.length === 0) {
    process.stdout.write(`no runs under ${stateDir}\n`);
    return 0;
  }
  for (const s of states) {
    process.stdout.write(
      `${s.runId}  ${shownStatus(s).padEnd(16)} ${s.started.wave !== undefined ? `wave ${s.started.wave}` : ""}  ${Object.entries(countStatuses(s)).map(([k, v]) => `${v} ${k}`).join(", ")}  (${s.started.operator})\n`,
    );
  }
  return 0;
}
