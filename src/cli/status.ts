/**
 * `ferry status [RUN] [--json]`: a run's state folded from its journal, read without taking the
 * run lock (so it works while the run is going). Without RUN: every run in the state directory.
 * Statuses are those of docs/formats.md ("Statuses"): pending, running, succeeded, failed,
 * rolled-back, rollback-failed, uncertain, waiting, skipped.
 */
import { stateToJson, type RunState } from "../engine/state.js";
import { countStatuses } from "../engine/run.js";
import { readAllRuns, readRunAndHead } from "../runs/history.js";
import { formatHead } from "../journal/heads.js";
import { printable } from "../model/printable.js";
import { runsContext, type StateFlags } from "./shared/flags.js";

export interface StatusFlags extends StateFlags {
  json?: boolean;
}

/** The status a person reads: interrupted runs show as such, not as `running`. */
function shownStatus(s: RunState): string {
  return s.interrupted && !s.finished ? "running (interrupted)" : s.status;
}

function runText(s: RunState, head: { seq: number; sum: string }): string {
  const lines = [
    `run ${s.runId}: ${shownStatus(s)}${s.exitCode !== undefined ? ` (exit ${s.exitCode})` : ""}`,
    `  started ${s.started.at} by ${s.started.operator}${s.started.wave !== undefined ? `, wave ${s.started.wave}` : ""}${s.started.planFile ? ` of ${s.started.planFile}` : ""}`,
    ...(s.started.approval ? [`  approved by ${s.started.approval.approvedBy} (${s.started.approval.changeRef})`] : []),
    ...(s.started.emergency ? [`  EMERGENCY run by ${s.started.emergency.by}: ${s.started.emergency.reason}`, ...s.started.emergency.overrode.map((o) => `    overrode: ${o}`)] : []),
    `  last event ${s.lastAt}; ${s.resumes} resume(s)${s.rollback ? "; rollback requested" : ""}`,
    `  journal head ${formatHead(head)} (keep it: \`ferry resume ${s.runId} --expect-head ${formatHead(head)}\` refuses a journal cut back below it)`,
  ];
  for (const a of s.apps.values()) {
    lines.push(`  ${a.id.padEnd(24)} ${a.status}${a.reason ? `: ${a.reason}` : ""}`);
    // Steps a person must finish, while they still must: a settled rollback clears the need.
    if (a.manual?.length && a.status === "rollback-failed") lines.push(`    finish by hand: ${a.manual.join(", ")}`);
    for (const st of a.steps.values()) {
      const extra = st.status === "uncertain" && st.uncertainInspect ? `\n        ${st.uncertainInspect}` : st.error && st.status !== "succeeded" ? ` (${st.error.message})` : "";
      lines.push(`    ${st.id.padEnd(22)} ${st.status}${st.attempt > 1 ? ` after ${st.attempt} attempts` : ""}${st.via && st.via !== "action" ? ` [${st.via}]` : ""}${st.gate?.approvedBy ? ` [approved by ${st.gate.approvedBy}]` : ""}${extra}`);
    }
  }
  return printable(lines.join("\n")) + "\n";
}

/** `ferry status`. */
export async function statusCommand(runId: string | undefined, opts: StatusFlags): Promise<number> {
  const { stateDir, warn } = runsContext(opts);
  if (runId !== undefined) {
    const { state, head } = await readRunAndHead(stateDir, runId, warn);
    process.stdout.write(opts.json ? JSON.stringify({ ...stateToJson(state), head: formatHead(head) }) + "\n" : runText(state, head));
    return 0;
  }
  const { runs, unreadable } = await readAllRuns(stateDir, warn);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ runs: runs.map(stateToJson), unreadable }) + "\n");
    return 0;
  }
  if (runs.length + unreadable.length === 0) {
    process.stdout.write(`no runs under ${stateDir}\n`);
    return 0;
  }
  for (const s of runs) {
    const counts = Object.entries(countStatuses(s)).map(([k, v]) => `${v} ${k}`);
    process.stdout.write(printable(`${s.runId}  ${shownStatus(s).padEnd(16)} ${s.started.wave !== undefined ? `wave ${s.started.wave}` : ""}  ${counts.join(", ")}  (${s.started.operator})`) + "\n");
  }
  for (const u of unreadable) process.stdout.write(printable(`${u.runId}  UNREADABLE [${u.code}]: ${u.message}${u.hint ? `\n  ${u.hint}` : ""}`) + "\n");
  return 0;
}
