import { formatEstimate } from "../timing/duration.js";
import { escapeHtml } from "./escape.js";
import type { PackTiming } from "./timing.js";

const H = 3_600_000;

/** `HH:MM` of the wall clock `ms` after `startIso` (its own offset). */
export function clockAfter(startIso: string, ms: number): string {
  const [hh, mm] = startIso.slice(11, 16).split(":").map(Number) as [number, number];
  const minutes = (((hh * 60 + mm + Math.floor(ms / 60_000)) % 1440) + 1440) % 1440;
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

const FILL = { precheck: "#9fb3c8", step: "#2f6fb3", verify: "#3f9142" } as const;

/**
 * A wave's schedule at P90 as an inline SVG Gantt chart: one row per application, its prechecks,
 * steps and verify gates as bars, the critical path outlined in red; lines at the window's end
 * and at the rollback decision point.
 */
export function ganttSvg(t: PackTiming, window: { start: string; end: string }, opts: { width?: number } = {}): string {
  const width = opts.width ?? 960;
  const left = 170;
  const right = 20;
  const top = 34;
  const rowH = 16;
  const windowMs = Date.parse(window.end) - Date.parse(window.start);
  const decisionMs = Date.parse(t.planned.rollbackDecisionAt) - Date.parse(window.start);
  const span = Math.max(windowMs, t.p90Ms, ...t.rows.map((r) => r.end)) * 1.04 || H;
  const height = top + t.rows.length * rowH + 46;
  const x = (ms: number) => left + (Math.max(0, ms) / span) * (width - left - right);
  const parts: string[] = [`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`];

  // Hour ticks in the window's local time.
  const step = span > 24 * H ? 6 * H : span > 8 * H ? 2 * H : span > 3 * H ? H : H / 2;
  for (let ms = 0; ms <= span; ms += step) {
    const tx = x(ms).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${height - 28}" stroke="#d9e2ec"/>`);
    parts.push(`<text x="${tx}" y="${top - 8}" font-size="10" text-anchor="middle" fill="#334e68">${clockAfter(window.start, ms)}</text>`);
  }
  t.rows.forEach((r, i) => {
    const y = top + i * rowH;
    parts.push(`<text x="${left - 6}" y="${y + 11}" font-size="10" text-anchor="end" fill="${r.critical ? "#b42318" : "#102a43"}"${r.critical ? ' font-weight="bold"' : ""}>${escapeHtml(r.id)}</text>`);
    for (const b of r.bars) {
      const w = Math.max(1, x(b.end) - x(b.start));
      const tip = `${r.id} ${b.kind} ${b.id}: ${clockAfter(window.start, b.start)}–${clockAfter(window.start, b.end)} (${formatEstimate(b.end - b.start)} at P90)${b.critical ? ", on the critical path" : ""}`;
      parts.push(
        `<rect class="gantt-bar${b.critical ? " critical" : ""}" x="${x(b.start).toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${rowH - 4}" fill="${FILL[b.kind]}"${b.critical ? ' stroke="#b42318" stroke-width="2"' : ' stroke="#ffffff" stroke-width="0.5"'}><title>${escapeHtml(tip)}</title></rect>`,
      );
    }
  });
  const bottom = top + t.rows.length * rowH;
  const line = (ms: number, colour: string, label: string, cls: string, anchor: "start" | "end") => {
    const lx = x(ms).toFixed(1);
    parts.push(`<line class="${cls}" x1="${lx}" y1="${top - 4}" x2="${lx}" y2="${bottom + 4}" stroke="${colour}" stroke-width="2" stroke-dasharray="6 3"/>`);
    parts.push(`<text x="${lx}" y="${bottom + (cls === "window-end" ? 16 : 28)}" font-size="10" text-anchor="${anchor}" fill="${colour}">${escapeHtml(label)}</text>`);
  };
  line(windowMs, "#b42318", `window ends ${clockAfter(window.start, windowMs)}`, "window-end", x(windowMs) > width - 140 ? "end" : "start");
  const decisionLabel = decisionMs >= 0 ? `start rollback by ${clockAfter(window.start, decisionMs)}` : `rollback needs ${formatEstimate(t.planned.rollbackP90Ms)}: longer than the window`;
  line(decisionMs, "#b25e09", decisionLabel, "rollback-decision", "end");
  parts.push(`<text x="${left}" y="${height - 6}" font-size="10" fill="#52606d">${escapeHtml(`Bars at P90: prechecks grey, steps blue, verify gates green; critical path outlined red.${t.rows.length < t.applications ? ` Showing ${t.rows.length} of ${t.applications} applications: the critical path and those that end last.` : ""}`)}</text>`);
  const label = `Wave schedule at P90: ${formatEstimate(t.p90Ms)} against a ${formatEstimate(windowMs)} window${t.planned.fits ? "" : " (overruns)"}`;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="gantt" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(label)}">${parts.join("")}</svg>`;
}
