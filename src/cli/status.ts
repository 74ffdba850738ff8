/**
 * `ferry status [RUN] [--json]`: a run's state folded from its journal, read without taking the
 * run lock (so it works while the run is going). Without RUN: every run in the state directory.
 * Statuses are those of docs/formats.md ("Statuses"): pending, running, succeeded, failed,
 * rolled-back, rollback-failed, uncertain, waiting, skipped, paused.
 */
import { stateToJson, type RunState } from "../engine/state.js";
import { readRunAndHead, readRunListings } from "../runs/history.js";
import type { RunListing } from "../engine/listing.js";
import { stateOf } from "../runs/context.js";
import { whatNext } from "./common/what-next.js";
import { formatHead } from "../journal/heads.js";
import { printable } from "../model/printable.js";
import { runsContext, stateFlagFor, type StateFlags } from "./common/flags.js";

export interface StatusFlags extends StateFlags {
  json?: boolean;
}

/** The status a person reads: a run no process works on any more is interrupted, not `running`. */
function shownStatus(s: Pick<RunState, "finished" | "status"> | Pick<RunListing, "finished" | "status">, live: boolean): string {
  return !s.finished && !live && s.status === "running" ? "interrupted" : s.status;
}

/** A reason that spans lines, indented under its first line so the layout holds. */
const indented = (text: string, by: string) => text.replaceAll("\n", `\n${by}`);

function runText(s: RunState, head: { seq: number; sum: string }, live: boolean, stateFlag: string): string {
  const lines = [
    `${s.started.rehearsal ? "REHEARSAL " : ""}run ${s.runId}: ${shownStatus(s, live)}${s.exitCode !== undefined ? ` (exit ${s.exitCode})` : ""}`,
    ...(s.started.rehearsal ? ["  a rehearsal against a test environment: not the wave's real run (its durations feed `ferry timings`)"] : []),
    `  started ${s.started.at} by ${s.started.operator}${s.started.wave !== undefined ? `, wave ${s.started.wave}` : ""}${s.started.planFile ? ` of ${s.started.planFile}` : ""}`,
    ...(s.started.approval ? [`  approved by ${s.started.approval.approvedBy} (${s.started.approval.changeRef})`] : []),
    ...(s.started.emergency ? [`  EMERGENCY run by ${s.started.emergency.by}: ${s.started.emergency.reason}`, ...s.started.emergency.overrode.map((o) => `    overrode: ${o}`)] : []),
    `  last event ${s.lastAt}; ${s.resumes} resume(s)${s.rollback ? `; rollback requested${s.rollbackApps ? ` of ${s.rollbackApps.join(", ")}` : ""}` : ""}${s.started.options.onFailure === "pause" ? "; on failure: pause" : ""}`,
    `  journal head ${formatHead(head)} (keep it: \`ferry resume ${s.runId} --expect-head ${formatHead(head)}\` refuses a journal cut back below it)`,
  ];
  for (const a of s.apps.values()) {
    lines.push(`  ${a.id.padEnd(24)} ${a.status}${a.reason ? `: ${indented(a.reason, " ".repeat(28))}` : ""}`);
    // Steps a person must finish, while they still must: a settled rollback clears the need.
    if (a.manual?.length && a.status === "rollback-failed") lines.push(`    finish by hand: ${a.manual.join(", ")}`);
    for (const st of a.steps.values()) {
      const inspect = st.uncertainInspect?.replaceAll("ferry resume RUN", `ferry resume ${s.runId}`);
      const extra = st.status === "uncertain" && inspect ? `\n        ${indented(inspect, "        ")}` : st.error && st.status !== "succeeded" ? ` (${indented(st.error.message, "        ")})` : "";
      lines.push(`    ${st.id.padEnd(22)} ${st.status}${st.attempt > 1 ? ` after ${st.attempt} attempts` : ""}${st.via && st.via !== "action" ? ` [${st.via}]` : ""}${st.gate?.approvedBy ? ` [approved by ${st.gate.approvedBy}]` : ""}${extra}`);
    }
  }
  lines.push(`  next: ${whatNext(s, live, stateFlag)}`);
  return printable(lines.join("\n")) + "\n";
}

/** A lease in words: who holds it, from where, until when. */
function leaseText(l: { holder: string; host: string; pid: number; token: number; expires?: string; live: boolean }): string {
  return `lease ${l.live ? "live" : "not live"}: ${l.live ? "held" : "last held"} by ${l.holder} (pid ${l.pid} on ${l.host}, fencing token ${l.token})${l.expires ? `${l.live ? ", until" : ", ran out"} ${l.expires}` : ""}`;
}

/** `ferry status`. */
export async function statusCommand(runId: string | undefined, opts: StatusFlags): Promise<number> {
  const ctx = runsContext(opts);
  const { warn } = ctx;
  const backend = stateOf(ctx);
  if (runId !== undefined) {
    const { state, head } = await readRunAndHead(backend, runId, warn);
    const { live, holder } = await backend.runLiveness(runId);
    const origin = (await backend.runOrigins?.())?.get(runId);
    const lease = holder ? { holder: holder.owner, host: holder.hostname, pid: holder.pid, token: holder.token, ...(holder.expires ? { expires: holder.expires } : {}), live } : undefined;
    // After the run: the post-implementation review, planned against actual.
    const review = state.finished ? await (await import("../runs/review.js")).runReview(ctx, state) : undefined;
    const reviewText = review ? (await import("./common/review-text.js")).reviewText : undefined;
    process.stdout.write(
      opts.json
        ? JSON.stringify({ ...stateToJson(state), head: formatHead(head), live, ...(origin ? { startedFrom: origin.host } : {}), ...(lease ? { lease } : {}), ...(review ? { review } : {}) }) + "\n"
        : runText(state, head, live, stateFlagFor(opts)) +
            (origin || (lease && backend.kind === "postgres") ? printable(`  ${origin ? `started from ${origin.host}` : ""}${origin && lease ? "; " : ""}${lease ? leaseText(lease) : ""}`) + "\n" : "") +
            (review && reviewText ? printable(reviewText(review)) : ""),
    );
    return 0;
  }
  // Finished runs in a team database come from their kept listing; the others are folded now.
  const { runs, unreadable } = await readRunListings(backend, warn);
  // Who started each run from where, and whose lease is live: one query each, however many runs.
  const [origins, leases] = await Promise.all([backend.runOrigins?.() ?? new Map<string, { by: string; host: string }>(), backend.runsLiveness(runs.filter((s) => !s.finished).map((s) => s.runId))]);
  const isLive = (s: RunListing) => !s.finished && leases.get(s.runId)?.live === true;
  if (opts.json) {
    const withLease = (s: RunListing) => ({ ...s.json, live: isLive(s), ...(origins.get(s.runId) ? { startedFrom: origins.get(s.runId)!.host } : {}) });
    process.stdout.write(JSON.stringify({ runs: runs.map(withLease), unreadable }) + "\n");
    return 0;
  }
  if (runs.length + unreadable.length === 0) {
    process.stdout.write(`no runs under ${backend.location}\n`);
    return 0;
  }
  for (const s of runs) {
    const live = isLive(s);
    const from = origins.get(s.runId)?.host;
    const who = `${s.operator}${from ? ` on ${from}` : ""}${backend.kind === "postgres" ? (live ? ", lease live" : s.finished ? "" : ", lease expired") : ""}`;
    const counts = Object.entries(s.counts).map(([k, v]) => `${v} ${k}`);
    const label = `${s.wave !== undefined ? `wave ${s.wave}` : ""}${s.rehearsal ? " REHEARSAL" : ""}`;
    process.stdout.write(printable(`${s.runId}  ${shownStatus(s, live).padEnd(16)} ${label}  ${counts.join(", ")}  (${who})`) + "\n");
  }
  for (const u of unreadable) process.stdout.write(printable(`${u.runId}  UNREADABLE [${u.code}]: ${u.message}${u.hint ? `\n  ${u.hint}` : ""}`) + "\n");
  return 0;
}
