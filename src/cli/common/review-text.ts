/**
 * The post-implementation review as `ferry status RUN` prints it after the run: the wave's
 * planned end against its actual end, then each application and its steps, planned (P50, with
 * P90) against actual.
 */
import type { ReviewEntry, RunReview } from "../../runs/review.js";
import { councilTime } from "../../runs/window.js";
import { durationText, driftText } from "./duration-text.js";

const planned = (p: { p50Ms: number; p90Ms: number } | undefined) => (p ? `${durationText(p.p50Ms)} (P90 ${durationText(p.p90Ms)})` : "-");
const versus = (actual: number | undefined, p50: number | undefined) => (actual === undefined ? "not measured" : `${durationText(actual)}${p50 ? ` ${driftText(actual / p50 - 1)}` : ""}`);

function entryLine(e: ReviewEntry, width: number): string {
  const label = e.kind === "rollback" ? `${e.id} (undo)` : e.id;
  const source = e.planned?.source === "default" ? " not estimated" : e.planned?.source === "actuals" ? " from actuals" : "";
  return `      ${label.padEnd(width)} ${e.kind.padEnd(8)} planned ${planned(e.planned).padEnd(22)} actual ${versus(e.actualMs, e.planned?.p50Ms)}${source}`;
}

/** The review, indented under the run's status. */
export function reviewText(r: RunReview): string {
  const time = (iso: string | undefined) => (iso ? councilTime(Date.parse(iso), r.timezone, "time") : "-");
  const lines = ["  planned against actual (post-implementation review):"];
  if (r.note) lines.push(`    (${r.note})`);
  if (r.wave) {
    const late = r.endedAt && r.wave.plannedEndP90 && Date.parse(r.endedAt) > Date.parse(r.wave.plannedEndP90) ? ", later than planned at P90" : "";
    const took = r.endedAt ? Date.parse(r.endedAt) - Date.parse(r.startedAt) : undefined;
    if (r.wave.plannedP50Ms !== undefined && r.wave.plannedP90Ms !== undefined) lines.push(`    wave: planned ${planned({ p50Ms: r.wave.plannedP50Ms, p90Ms: r.wave.plannedP90Ms })}, took ${versus(took, r.wave.plannedP50Ms)}`);
    lines.push(`    from the window's start: planned to end ${time(r.wave.plannedEndP50)} (P90 ${time(r.wave.plannedEndP90)}), ended ${time(r.endedAt)}${late}; rollback decision by ${time(r.wave.rollbackDecisionAt)}, window ends ${time(r.wave.windowEndsAt)}`);
  }
  const width = Math.max(8, ...r.applications.flatMap((a) => a.entries.map((e) => e.id.length + (e.kind === "rollback" ? 7 : 0))));
  for (const a of r.applications) {
    lines.push(`    ${a.app.padEnd(24)} ${a.status.padEnd(15)} planned ${planned(a.planned).padEnd(22)} actual ${versus(a.actualMs, a.planned?.p50Ms)}`);
    for (const e of a.entries) lines.push(entryLine(e, width));
  }
  return lines.join("\n") + "\n";
}
