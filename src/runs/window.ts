/**
 * The change window a board approved: a wave runs inside its window, outside every change
 * freeze and outside its applications' blackouts, unless the operator declares an emergency
 * (journalled with who and why). `--dry-run` may run at any time.
 */
import type { Calendar } from "../model/estate.js";
import type { Wave } from "../model/plan.js";
import type { PreparedApp } from "../engine/prepare.js";
import { blackoutName, dateIn } from "../planner/calendar.js";
import { blackoutResolver } from "../planner/facts.js";

/** One reason a wave may not run now. */
export interface WindowProblem {
  kind: "before-window" | "after-window" | "freeze" | "blackout";
  message: string;
}

/** The wave's window as instants (ms since the epoch). */
export function windowOf(wave: Pick<Wave, "window">): { start: number; end: number } {
  return { start: Date.parse(wave.window.start), end: Date.parse(wave.window.end) };
}

/** `date` (YYYY-MM-DD) of `now` in `timezone`. */
function localDate(now: Date, timezone: string): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}

/** An instant as the council reads it: "Tuesday 12 January 2027, 19:00 GMT" (or the time alone). */
export function councilTime(ms: number, timezone: string, part: "day-and-time" | "time" = "day-and-time"): string {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: timezone, weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" }).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  const time = `${get("hour")}:${get("minute")} ${get("timeZoneName")}`;
  return part === "time" ? time : `${get("weekday")} ${get("day")} ${get("month")} ${get("year")}, ${time}`;
}

/** Why the wave may not run at `now`: outside its window, in a freeze, or an application in its blackout. */
export function windowProblems(wave: Pick<Wave, "number" | "window">, calendar: Calendar | undefined, apps: readonly PreparedApp[], now: Date): WindowProblem[] {
  const problems: WindowProblem[] = [];
  const timezone = calendar?.window.timezone ?? "UTC";
  const { start, end } = windowOf(wave);
  const sameDay = localDate(new Date(start), timezone) === localDate(new Date(end), timezone);
  const window = `${councilTime(start, timezone)} to ${councilTime(end, timezone, sameDay ? "time" : "day-and-time")}`;
  if (now.getTime() < start) problems.push({ kind: "before-window", message: `wave ${wave.number}'s window (${window}) has not opened yet` });
  if (now.getTime() > end) problems.push({ kind: "after-window", message: `wave ${wave.number}'s window (${window}) has closed` });
  const today = localDate(now, timezone);
  for (const f of calendar?.freezes ?? []) {
    if (dateIn(today, f)) problems.push({ kind: "freeze", message: `today (${today}) is in the change freeze "${f.reason}" (${f.from} to ${f.to})` });
  }
  const resolver = blackoutResolver({ calendar });
  for (const app of apps) {
    for (const b of resolver.resolve(app.app.blackouts ?? [])) {
      if (dateIn(today, b)) problems.push({ kind: "blackout", message: `${app.app.id} is in its blackout "${blackoutName(b)}" today (${b.from} to ${b.to})` });
    }
  }
  return problems;
}
