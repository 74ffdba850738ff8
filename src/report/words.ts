/** The pack's plain words: dates and windows as a council writes them, warning kinds for a board. */

/** One formatter per time zone (making one costs far more than formatting with it); null for a zone this system does not know. */
const formatters = new Map<string, Intl.DateTimeFormat | null>();
function formatterFor(timeZone: string): Intl.DateTimeFormat | null {
  let fmt = formatters.get(timeZone);
  if (fmt === undefined) {
    try {
      fmt = new Intl.DateTimeFormat("en-GB", { timeZone, weekday: "long", day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
    } catch {
      fmt = null;
    }
    formatters.set(timeZone, fmt);
  }
  return fmt;
}

function parts(instant: string, timeZone: string): Record<string, string> | undefined {
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return undefined;
  const fmt = formatterFor(timeZone);
  if (!fmt) return undefined;
  return Object.fromEntries(fmt.formatToParts(d).map((p) => [p.type, p.value]));
}

/** `1,234`: `toLocaleString("en-GB")` with one formatter, not one made per call (a pack formats thousands of counts). */
const GROUPED = new Intl.NumberFormat("en-GB");
export function grouped(n: number): string {
  return GROUPED.format(n);
}

/** `2027-01-12` → `Tuesday 12 January 2027`. */
export function dateInWords(date: string): string {
  const p = parts(`${date}T12:00:00Z`, "UTC");
  return p ? `${p.weekday} ${p.day} ${p.month} ${p.year}` : date;
}

/**
 * A wave's window in the council's words and time zone: `Tuesday 12 January 2027, 19:00–23:30 GMT`
 * (the end's date is named too when the window runs past midnight). Falls back to the ISO text
 * when the zone is unknown to this system.
 */
export function windowInWords(window: { start: string; end: string }, timeZone: string): string {
  const a = parts(window.start, timeZone);
  const b = parts(window.end, timeZone);
  if (!a || !b) return `${window.start} to ${window.end}`;
  const day = (p: Record<string, string>) => `${p.weekday} ${p.day} ${p.month} ${p.year}`;
  const zone = a.timeZoneName === b.timeZoneName ? ` ${a.timeZoneName}` : "";
  const startZone = zone ? "" : ` ${a.timeZoneName}`;
  const endZone = zone ? "" : ` ${b.timeZoneName}`;
  if (day(a) === day(b)) return `${day(a)}, ${a.hour}:${a.minute}${startZone}–${b.hour}:${b.minute}${endZone}${zone}`;
  return `${day(a)}, ${a.hour}:${a.minute}${startZone} to ${day(b)}, ${b.hour}:${b.minute}${endZone}${zone}`;
}

/** An instant (an approval's time) in the council's zone: `Monday 4 January 2027, 10:15 GMT`. */
export function instantInWords(instant: string, timeZone: string): string {
  const p = parts(instant, timeZone);
  return p ? `${p.weekday} ${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}` : instant;
}

/** Minutes as `4 h 30 min`. */
export function minutesInWords(minutes: number): string {
  const m = Math.round(minutes);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** What each kind of warning asks of the board: a heading and the decision. */
export const WARNING_KINDS: Record<string, { title: string; decide: string }> = {
  "reip-required": {
    title: "Networks that must be re-addressed before their applications move",
    decide: "Approve the interim option named (NAT through the hub firewall until the re-addressing runs), or ask for more capacity or a later deadline and a re-plan.",
  },
  "window-overrun": {
    title: "Waves expected to run past their maintenance window",
    decide: "Ask for the critical path's steps to be rehearsed and shortened, for the run's concurrency or the window to be raised, or for applications to be split across waves and a re-plan; or accept the overrun and agree when to start rolling back.",
  },
  "site-deadline": {
    title: "Deadlines the plan cannot meet (a site closing, support or a contract ending)",
    decide: "Agree a later exit with the site owner or supplier, or ask for more capacity per wave, an earlier start or fewer blackouts, and a re-plan.",
  },
  "retention-expired": {
    title: "Data past its retention date that is planned to be migrated",
    decide: "Decide archive or destroy with the information governance lead, or record why the data is kept longer.",
  },
  "dependency-cycle": {
    title: "Applications that depend on each other in a circle, so they move together",
    decide: "Accept that they move as one group in one wave, or have the inventory corrected so they can move separately.",
  },
  "kept-wave-conflict": {
    title: "Waves kept from an earlier plan that no longer satisfy a rule",
    decide: "Accept the kept wave as approved or run, or withdraw its approval and re-plan without keeping it.",
  },
  "no-calendar": { title: "No calendar: nothing can be scheduled", decide: "Ask for a calendar to be added to the estate and a re-plan." },
  "unknown-timezone": { title: "The calendar's time zone is unknown; times are in UTC", decide: "Ask for the zone name to be corrected and a re-plan." },
};

/** The heading and decision for a warning code, with a generic fallback for codes added later. */
export function warningKind(code: string): { title: string; decide: string } {
  return WARNING_KINDS[code] ?? { title: `Warnings: ${code}`, decide: "Read each warning and decide whether the wave may go ahead." };
}
