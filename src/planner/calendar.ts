import type { Calendar } from "../model/estate.js";

/** One usable wave slot: a cadence date inside the horizon that is not in a freeze. */
export interface Slot {
  /** k in `firstWave + k × cadenceDays`, counting frozen slots too. */
  k: number;
  date: string;
}

/** The calendar cut into slots. */
export interface CalendarSlots {
  /** Usable slots in date order. */
  slots: Slot[];
  /** Slots skipped because their date lies in a freeze, with the freeze's reason. */
  frozen: { date: string; reason: string }[];
  /** Date of the last slot inside the horizon (frozen or not). */
  lastSlot: string;
}

const DAY_MS = 86_400_000;

/** `date` plus `days` calendar days, as `YYYY-MM-DD` (UTC arithmetic: no DST surprises). */
export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/** True when `date` lies in `[from, to]`, inclusive. ISO dates compare as strings. */
export function dateIn(date: string, range: { from: string; to: string }): boolean {
  return range.from <= date && date <= range.to;
}

/**
 * The slots `firstWave + k × cadenceDays` for k < horizonWaves, skipping any whose date lies in
 * a freeze (inclusive). The horizon counts frozen slots too, so adding a freeze never stretches
 * the plan further into the future.
 */
export function waveSlots(calendar: Pick<Calendar, "firstWave" | "cadenceDays" | "horizonWaves" | "freezes">): CalendarSlots {
  const slots: Slot[] = [];
  const frozen: { date: string; reason: string }[] = [];
  let lastSlot = calendar.firstWave;
  for (let k = 0; k < calendar.horizonWaves; k++) {
    const date = addDays(calendar.firstWave, k * calendar.cadenceDays);
    lastSlot = date;
    const freeze = calendar.freezes.find((f) => dateIn(date, f));
    if (freeze) frozen.push({ date, reason: freeze.reason });
    else slots.push({ k, date });
  }
  return { slots, frozen, lastSlot };
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** True when the runtime's time-zone database knows `timezone`. */
export function isKnownTimeZone(timezone: string): boolean {
  try {
    formatFor(timezone);
    return true;
  } catch {
    return false;
  }
}

function formatFor(timezone: string): Intl.DateTimeFormat {
  let f = offsetFormats.get(timezone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, timeZoneName: "longOffset" });
    offsetFormats.set(timezone, f);
  }
  return f;
}

/** Minutes east of UTC in `timezone` at the instant `utcMs`. */
function offsetMinutesAt(utcMs: number, timezone: string): number {
  const name = formatFor(timezone)
    .formatToParts(utcMs)
    .find((p) => p.type === "timeZoneName")?.value;
  const m = /GMT([+-])(\d{2}):?(\d{2})?/.exec(name ?? "");
  if (!m) return 0; // "GMT" alone: UTC itself
  return (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/**
 * `date` at wall-clock `time` in `timezone` as ISO 8601 with the offset in force then, e.g.
 * `2027-06-08T19:00:00+01:00` for Europe/London in summer. Uses Intl's time-zone data, so no
 * time-zone library is needed.
 */
export function zonedIso(date: string, time: string, timezone: string): string {
  const wall = Date.parse(`${date}T${time}:00Z`);
  // The offset depends on the instant, which depends on the offset: two passes settle it
  // everywhere except inside a spring-forward gap, where the later offset is used.
  const first = offsetMinutesAt(wall, timezone);
  const second = offsetMinutesAt(wall - first * 60_000, timezone);
  return `${date}T${time}:00${formatOffset(second)}`;
}

/** The maintenance window of a wave dated `date`; an end at or before the start is next day. */
export function waveWindow(date: string, window: { start: string; end: string; timezone: string }): { start: string; end: string } {
  const endDate = window.end <= window.start ? addDays(date, 1) : date;
  return { start: zonedIso(date, window.start, window.timezone), end: zonedIso(endDate, window.end, window.timezone) };
}
