import type { Plan } from "../model/plan.js";
import { escapeHtml } from "./escape.js";

const DAY = 86_400_000;
const day = (d: string) => Date.parse(`${d}T00:00:00Z`) / DAY;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export interface TimelineInput {
  waves: { number: number; date: string; applications: readonly unknown[]; load: { effort: number; users: number } }[];
  calendar?: Plan["calendar"];
}

/** The wave calendar as an inline SVG timeline: a bar per wave, freezes shaded, month ticks. */
export function timelineSvg(plan: TimelineInput, opts: { width?: number } = {}): string {
  const width = opts.width ?? 960;
  const height = 170;
  const left = 40;
  const right = 20;
  const axisY = 120;
  const barMax = 80;
  const dates = plan.waves.map((w) => w.date);
  const cal = plan.calendar;
  const start = cal?.firstWave ?? dates[0];
  // Draw up to two cadences past the last wave (not the whole horizon, which can be years).
  const lastWave = dates[dates.length - 1];
  const pad = (cal?.cadenceDays ?? 14) * 2;
  const padded = lastWave ? new Date(Date.parse(`${lastWave}T00:00:00Z`) + pad * DAY).toISOString().slice(0, 10) : undefined;
  const endDate = padded && cal?.lastSlot && padded > cal.lastSlot ? cal.lastSlot : (padded ?? cal?.lastSlot);
  if (!start || !endDate) return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${width}" height="40" role="img" aria-label="No waves planned"><text x="10" y="25">No waves planned.</text></svg>`;
  // A freeze that ends within a cadence before the first wave explains why waves start when
  // they do (typically Christmas), so the drawing starts early enough to show it.
  const cadence = cal?.cadenceDays ?? 14;
  const lead = (cal?.freezes ?? []).filter((f) => f.to < start && day(f.to) >= day(start) - cadence).map((f) => day(f.from));
  const d0 = Math.min(day(start), ...lead) - 7;
  const d1 = Math.max(day(endDate), d0 + 14) + 7;
  const x = (d: string) => left + ((day(d) - d0) / (d1 - d0)) * (width - left - right);
  const parts: string[] = [];
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);

  for (const f of cal?.freezes ?? []) {
    const fx0 = Math.max(left, x(f.from));
    const fx1 = Math.min(width - right, x(f.to) + ((width - left - right) / (d1 - d0)));
    if (fx1 <= fx0) continue;
    parts.push(`<rect class="freeze" x="${fx0.toFixed(1)}" y="20" width="${(fx1 - fx0).toFixed(1)}" height="${axisY - 20}" fill="#9aa5b1" fill-opacity="0.35"><title>${escapeHtml(`Freeze ${f.from} to ${f.to}: ${f.reason}`)}</title></rect>`);
  }

  // Month ticks along the axis.
  const first = new Date(d0 * DAY);
  let m = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
  const months: Date[] = [];
  while (m.getTime() / DAY < d1) {
    months.push(m);
    m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 1, 1));
  }
  const every = Math.max(1, Math.ceil(months.length / 18));
  months.forEach((mo, i) => {
    const iso = mo.toISOString().slice(0, 10);
    const mx = x(iso).toFixed(1);
    parts.push(`<line x1="${mx}" y1="${axisY}" x2="${mx}" y2="${axisY + 5}" stroke="#52606d"/>`);
    if (i % every === 0) parts.push(`<text x="${mx}" y="${axisY + 18}" font-size="10" text-anchor="middle" fill="#334e68">${MONTHS[mo.getUTCMonth()]} ${String(mo.getUTCFullYear()).slice(2)}</text>`);
  });
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${width - right}" y2="${axisY}" stroke="#52606d"/>`);

  const most = Math.max(1, ...plan.waves.map((w) => w.applications.length));
  const labelEvery = Math.max(1, Math.ceil(plan.waves.length / 40));
  for (const w of plan.waves) {
    const wx = x(w.date);
    const h = Math.max(4, (w.applications.length / most) * barMax);
    const tip = `Wave ${w.number} on ${w.date}: ${w.applications.length} applications, effort ${w.load.effort}, ${w.load.users} users`;
    parts.push(`<a href="#wave-${w.number}"><rect class="wave-bar" x="${(wx - 3).toFixed(1)}" y="${(axisY - h).toFixed(1)}" width="6" height="${h.toFixed(1)}" fill="#2f6fb3"><title>${escapeHtml(tip)}</title></rect></a>`);
    if ((w.number - 1) % labelEvery === 0) parts.push(`<text x="${wx.toFixed(1)}" y="${(axisY - h - 4).toFixed(1)}" font-size="9" text-anchor="middle" fill="#102a43">${w.number}</text>`);
  }
  parts.push(`<text x="${left}" y="${height - 8}" font-size="10" fill="#52606d">Bars: applications per wave (height), numbered; shaded: change freezes. ${escapeHtml(start)} to ${escapeHtml(endDate)}.</text>`);
  return `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-label="${escapeHtml(`Wave calendar: ${plan.waves.length} waves from ${start} to ${endDate}`)}">${parts.join("")}</svg>`;
}
