import type { BlackoutRef, Calendar, CalendarEvent } from "../model/estate.js";

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

/** A blackout as placement uses it: dates, the reason, and the calendar event it came from. */
export interface ResolvedBlackout {
  from: string;
  to: string;
  reason: string;
  /** The `calendar.events` name, when the application referred to one. */
  event?: string;
}

/** `date` moved by whole years; 29 February becomes 28 February in other years. */
function addYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const md = date.slice(5);
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return `${String(y).padStart(4, "0")}-${md === "02-29" && !leap ? "02-28" : md}`;
}

/**
 * The date ranges of one named event within `[first, last]` (the calendar's first wave and last
 * slot): an `every: year` range repeated each year that can touch the horizon, or one range per
 * date of `on`, widened by `daysBefore` and `daysAfter`.
 */
export function eventRanges(name: string, event: CalendarEvent, first: string, last: string): ResolvedBlackout[] {
  if ("on" in event) {
    return [...event.on].sort().map((d) => ({ from: addDays(d, -event.daysBefore), to: addDays(d, event.daysAfter), reason: event.reason, event: name }));
  }
  if (event.every !== "year") return [{ from: event.from, to: event.to, reason: event.reason, event: name }];
  const out: ResolvedBlackout[] = [];
  const firstYear = Number(first.slice(0, 4)) - Number(event.from.slice(0, 4)) - 1;
  const lastYear = Number(last.slice(0, 4)) - Number(event.from.slice(0, 4)) + 1;
  for (let k = firstYear; k <= lastYear; k++) {
    const range = { from: addYears(event.from, k), to: addYears(event.to, k), reason: event.reason, event: name };
    if (range.to >= first && range.from <= last) out.push(range);
  }
  return out;
}

/**
 * Resolves applications' `blackouts` entries: an event name becomes that event's ranges within
 * the calendar's horizon (computed once per event), a range of the application's own stays.
 */
export class BlackoutResolver {
  private readonly cache = new Map<string, ResolvedBlackout[]>();
  constructor(
    private readonly calendar: Pick<Calendar, "firstWave" | "events"> | undefined,
    private readonly lastSlot: string,
  ) {}

  resolve(entries: readonly BlackoutRef[]): ResolvedBlackout[] {
    if (entries.length === 0) return NONE;
    const out: ResolvedBlackout[] = [];
    for (const b of entries) {
      if (typeof b !== "string") {
        out.push(b);
        continue;
      }
      let ranges = this.cache.get(b);
      if (!ranges) {
        const event = this.calendar?.events?.[b];
        ranges = event && this.calendar ? eventRanges(b, event, this.calendar.firstWave, this.lastSlot) : [];
        this.cache.set(b, ranges);
      }
      out.push(...ranges);
    }
    return out;
  }
}

const NONE: ResolvedBlackout[] = [];

/** The name a board reads for a blackout: its event's name, else its reason. */
export function blackoutName(b: ResolvedBlackout): string {
  return b.event ?? b.reason;
}
