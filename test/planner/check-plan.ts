/**
 * An independent checker of docs/formats.md, "Planning rules", written from the text of the
 * rules and not from the planner's code: it shares no helper with src/planner/. Returns every
 * violation as a sentence, so a failing property test prints what went wrong.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Application, Estate } from "../../src/model/estate.js";
import type { Plan } from "../../src/model/plan.js";
import type { Runbook } from "../../src/model/runbook.js";

const PLANNED = new Set(["rehost", "replatform", "repurchase", "relocate", "retire"]);

function plusDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** `date` plus whole years; 29 February falls back to the 28th in other years. */
function plusYears(date: string, years: number): string {
  const y = Number(date.slice(0, 4)) + years;
  const leap = new Date(Date.UTC(y, 1, 29)).getUTCMonth() === 1;
  const md = date.slice(5) === "02-29" && !leap ? "02-28" : date.slice(5);
  return `${y}-${md}`;
}

/** The date ranges an application may not move in: its own, and its named events' within the horizon. */
function blackoutRanges(estate: Estate, entries: Application["blackouts"]): { from: string; to: string; name: string }[] {
  const cal = estate.calendar;
  const out: { from: string; to: string; name: string }[] = [];
  for (const b of entries) {
    if (typeof b !== "string") {
      out.push({ from: b.from, to: b.to, name: b.reason });
      continue;
    }
    const e = cal?.events?.[b];
    if (!e || !cal) continue;
    if ("on" in e) {
      for (const d of e.on) out.push({ from: plusDays(d, -e.daysBefore), to: plusDays(d, e.daysAfter), name: b });
    } else if (e.every === "year") {
      for (let k = -60; k <= 60; k++) out.push({ from: plusYears(e.from, k), to: plusYears(e.to, k), name: b });
    } else out.push({ from: e.from, to: e.to, name: b });
  }
  return out;
}

/** IPv4 dotted quad as a number. */
function ip4(text: string): number {
  return text.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}

/** First and last address of an IPv4 prefix. */
function range4(prefix: string): [number, number] {
  const [addr, len] = prefix.split("/") as [string, string];
  const size = 2 ** (32 - Number(len));
  const start = Math.floor(ip4(addr) / size) * size;
  return [start, start + size - 1];
}

const MINUTE = 60_000;
const UNIT: Record<string, number> = { ms: 1, s: 1000, m: MINUTE, h: 60 * MINUTE, d: 24 * 60 * MINUTE };
const ms = (text: string) => [...text.matchAll(/(\d+)(ms|s|m|h|d)/g)].reduce((t, m) => t + Number(m[1]) * UNIT[m[2]!]!, 0);

/**
 * P90 of one step for one application, from docs/formats.md, "Estimates", for the plain forms
 * the random estates use: the application's own estimate, else the runbook's, else the default
 * (30 minutes); a single duration's P90 is 1.5 times it.
 */
function stepP90(spec: unknown): number {
  if (spec === undefined) return 30 * MINUTE;
  if (typeof spec === "string") return 1.5 * ms(spec);
  const o = spec as { p50?: string; p90?: string };
  return o.p90 !== undefined ? ms(o.p90) : 1.5 * ms(o.p50 ?? "0s");
}

/**
 * Window fit (rule 13) for runbooks of sequential steps with no prechecks, verify gates or data
 * sets: each application's P90 is the sum of its steps' P90s, and a wave's P90 is the list
 * schedule of its applications, in the wave's order, on `concurrency` slots.
 */
function checkTiming(estate: Estate, plan: Plan, runbooks: ReadonlyMap<string, Runbook>, problems: string[]): void {
  const apps = new Map(estate.applications.map((a) => [a.id, a]));
  const concurrency = estate.calendar?.runLimits?.concurrency ?? 10;
  const p90Of = (id: string, runbook: string) => {
    const a = apps.get(id)!;
    return runbooks.get(runbook)!.steps.reduce((t, s) => t + Math.round(stepP90(a.estimates?.[s.id] ?? s.estimate)), 0);
  };
  const rollbackOf = (runbook: string) => runbooks.get(runbook)!.steps.reduce((t, s) => t + (s.rollback ? Math.round(stepP90(s.rollback.estimate ?? s.estimate)) : 0), 0);
  const schedule = (durations: number[]) => {
    const free = new Array<number>(Math.min(concurrency, Math.max(1, durations.length))).fill(0);
    let end = 0;
    for (const d of durations) {
      let k = 0;
      for (let j = 1; j < free.length; j++) if (free[j]! < free[k]!) k = j;
      free[k] = free[k]! + d;
      end = Math.max(end, free[k]!);
    }
    return end;
  };
  const overrun = new Set(plan.warnings.filter((w) => w.code === "window-overrun").map((w) => w.message.match(/^wave (\d+) /)?.[1]));
  for (const w of plan.waves) {
    if (w.kept) continue;
    const t = w.timing;
    if (!t) {
      problems.push(`wave ${w.number} has no timing`);
      continue;
    }
    const windowMs = Date.parse(w.window.end) - Date.parse(w.window.start);
    const p90 = schedule(w.applications.map((a) => p90Of(a.id, a.runbook)));
    if (t.p90Ms !== p90) problems.push(`wave ${w.number} timing.p90Ms ${t.p90Ms}, expected ${p90}`);
    if (t.windowMs !== windowMs || t.windowEndsAt !== w.window.end) problems.push(`wave ${w.number} timing window ${t.windowMs} ${t.windowEndsAt} is not its window`);
    if (t.fits !== p90 <= windowMs) problems.push(`wave ${w.number} timing.fits ${t.fits} with P90 ${p90} in a ${windowMs} window`);
    if (overrun.has(String(w.number)) === t.fits) problems.push(`wave ${w.number} ${t.fits ? "fits but has" : "overruns without"} a window-overrun warning`);
    const rollback = w.applications.reduce((sum, a) => sum + rollbackOf(a.runbook), 0);
    if (Date.parse(w.window.end) - Date.parse(t.rollbackDecisionAt) !== rollback) problems.push(`wave ${w.number} rollbackDecisionAt ${t.rollbackDecisionAt} is not ${rollback} ms before the window's end`);
    if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$/.test(t.rollbackDecisionAt)) problems.push(`wave ${w.number} rollbackDecisionAt ${t.rollbackDecisionAt} is not an ISO 8601 time with an offset`);
    const last = t.criticalPath[t.criticalPath.length - 1];
    if (w.applications.length > 0 && (!last || !w.applications.some((a) => a.id === last.application))) problems.push(`wave ${w.number} critical path does not end in the wave`);
  }
}

export interface CheckOptions {
  /** The runbooks the plan was made with: when given, rule 13 (window fit) is checked too. */
  runbooks?: ReadonlyMap<string, Runbook>;
  /**
   * Nothing but the window constrains placement (no capacity, blackouts, freezes or deadlines,
   * a horizon longer than there are applications): a wave may then run past its window only
   * when it holds a group that cannot fit a window on its own.
   */
  unconstrained?: boolean;
}

export function checkPlan(estate: Estate, plan: Plan, opts: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const apps = new Map(estate.applications.map((a) => [a.id, a]));
  const planned = new Set(estate.applications.filter((a) => PLANNED.has(a.disposition)).map((a) => a.id));
  const cal = estate.calendar;

  // Every planned application is in exactly one wave or in unplaced; nothing else appears.
  const wave = new Map<string, { number: number; date: string }>();
  const seen = new Map<string, number>();
  for (const w of plan.waves) for (const a of w.applications) {
    wave.set(a.id, { number: w.number, date: w.date });
    seen.set(a.id, (seen.get(a.id) ?? 0) + 1);
  }
  for (const u of plan.unplaced) {
    seen.set(u.application, (seen.get(u.application) ?? 0) + 1);
    if (!u.reason || u.reason.trim().length < 10) problems.push(`unplaced ${u.application} has no readable reason`);
  }
  for (const id of planned) if (seen.get(id) !== 1) problems.push(`planned application ${id} appears ${seen.get(id) ?? 0} times`);
  const keptApps = new Set(plan.waves.filter((w) => w.kept).flatMap((w) => w.applications.map((a) => a.id)));
  const conflictNames = (id: string) => plan.warnings.some((x) => x.code === "kept-wave-conflict" && (x.applications ?? []).includes(id));
  for (const id of seen.keys()) if (!planned.has(id) && !(keptApps.has(id) && conflictNames(id))) problems.push(`${id} is in the plan but is not planned (retained or unknown)`);

  // Calendar: slots on the cadence, inside the horizon, not frozen; numbered 1, 2, 3… in date order.
  plan.waves.forEach((w, i) => {
    if (w.number !== i + 1) problems.push(`wave at position ${i} is numbered ${w.number}`);
    if (i > 0 && !(w.date > plan.waves[i - 1]!.date)) problems.push(`wave ${w.number} is not after wave ${w.number - 1}`);
    if (w.applications.length === 0 && !(w.changes ?? []).length) problems.push(`wave ${w.number} is empty`);
    if (!cal || w.kept) return; // a kept wave keeps the date it was approved for
    let onCadence = false;
    for (let k = 0; k < cal.horizonWaves; k++) if (plusDays(cal.firstWave, k * cal.cadenceDays) === w.date) onCadence = true;
    if (!onCadence) problems.push(`wave ${w.number} on ${w.date} is not a cadence slot within the horizon`);
    for (const f of cal.freezes) if (f.from <= w.date && w.date <= f.to) problems.push(`wave ${w.number} on ${w.date} lies in freeze ${f.reason}`);
    if (!w.window.start.startsWith(`${w.date}T${cal.window.start}`)) problems.push(`wave ${w.number} window starts ${w.window.start}`);
  });

  // Together: in either direction, transitively (checked pairwise: transitivity follows).
  // Order: B ≤ A for A depends on B, reversed when B retires; an unplaced prerequisite keeps its dependant out.
  for (const a of estate.applications) {
    if (!planned.has(a.id)) continue;
    for (const d of a.dependsOn) {
      if (!planned.has(d.app) || d.app === a.id) continue;
      const wa = wave.get(a.id);
      const wb = wave.get(d.app);
      const excused = (keptApps.has(a.id) && conflictNames(a.id)) || (keptApps.has(d.app) && conflictNames(d.app));
      if (d.together) {
        if (((wa === undefined) !== (wb === undefined) || (wa && wb && wa.number !== wb.number)) && !excused) problems.push(`together ${a.id}–${d.app} not in one wave (${wa?.number} vs ${wb?.number})`);
        continue;
      }
      if (d.order === "none") continue;
      const retiring = apps.get(d.app)!.disposition === "retire";
      const [first, then] = retiring ? [a.id, d.app] : [d.app, a.id];
      const wf = wave.get(first);
      const wt = wave.get(then);
      if (wt && !wf && !excused) problems.push(`${then} is placed but ${first}, which must not be later, is unplaced`);
      if (wt && wf && wf.number > wt.number && !excused) problems.push(`order: ${first} (wave ${wf.number}) must not be after ${then} (wave ${wt.number})`);
    }
  }

  // Capacity, and the load each wave reports.
  const hosts = new Map(estate.hosts.map((h) => [h.id, h]));
  const siteOf = (id: string) => {
    const first = apps.get(id)!.hosts[0];
    return first === undefined ? null : (hosts.get(first)?.site ?? null);
  };
  for (const w of plan.waves) {
    if (w.kept) {
      // A kept wave is copied from the earlier plan: any rule it breaks now is named in a warning.
      for (const x of w.applications) {
        const m = apps.get(x.id);
        if (!m) continue;
        for (const b of blackoutRanges(estate, m.blackouts)) if (b.from <= w.date && w.date <= b.to && !conflictNames(m.id)) problems.push(`kept ${m.id} is inside blackout ${b.name} without a kept-wave-conflict warning`);
      }
      continue;
    }
    const members = w.applications.map((x) => apps.get(x.id)!);
    const effort = members.reduce((s, m) => s + m.effort, 0);
    const users = members.reduce((s, m) => s + m.users, 0);
    if (w.load.applications !== members.length || w.load.effort !== effort || w.load.users !== users) problems.push(`wave ${w.number} load does not add up`);
    const cap = cal?.capacity ?? {};
    if (cap.applications !== undefined && members.length > cap.applications) problems.push(`wave ${w.number} has ${members.length} applications, cap ${cap.applications}`);
    if (cap.effort !== undefined && effort > cap.effort) problems.push(`wave ${w.number} effort ${effort} > ${cap.effort}`);
    if (cap.users !== undefined && users > cap.users) problems.push(`wave ${w.number} users ${users} > ${cap.users}`);
    if (cap.perSite !== undefined) {
      const perSite = new Map<string, number>();
      for (const m of members) {
        const s = siteOf(m.id);
        if (s !== null) perSite.set(s, (perSite.get(s) ?? 0) + 1);
      }
      // A re-IP change uses its site's WAN capacity like an application does.
      for (const c of w.changes ?? []) perSite.set(c.site, (perSite.get(c.site) ?? 0) + 1);
      for (const [s, n] of perSite) if (n > cap.perSite) problems.push(`wave ${w.number} has ${n} applications from site ${s}, cap ${cap.perSite}`);
    }
    // Blackouts, inclusive.
    for (const m of members) for (const b of blackoutRanges(estate, m.blackouts)) if (b.from <= w.date && w.date <= b.to) problems.push(`${m.id} is in wave ${w.number} on ${w.date}, inside its blackout ${b.name} ${b.from}..${b.to}`);
  }

  // Deadlines: late (or unplaced) applications on a closing site, or past their support or
  // contract end, carry a site-deadline warning.
  const closes = new Map(estate.sites.filter((s) => s.closes).map((s) => [s.id, s.closes!]));
  const warned = (code: string, id: string) => plan.warnings.some((x) => x.code === code && (x.applications ?? []).includes(id));
  for (const id of planned) {
    const a = apps.get(id)!;
    const deadlines = [...a.hosts.map((h) => closes.get(hosts.get(h)?.site ?? "")), a.supportEnds, a.contractEnds].filter((c): c is string => c !== undefined);
    if (deadlines.length === 0) continue;
    const earliest = deadlines.sort()[0]!;
    const w = wave.get(id);
    if ((!w || w.date > earliest) && !warned("site-deadline", id)) problems.push(`${id} misses its site deadline ${earliest} (wave ${w?.date ?? "none"}) without a site-deadline warning`);
    if (w && w.date <= earliest && warned("site-deadline", id)) problems.push(`${id} meets its deadline but has a site-deadline warning`);
  }

  // Data retention.
  for (const d of estate.datasets) {
    const w = wave.get(d.application);
    const expired = d.decision === "migrate" && d.retainUntil !== undefined && w !== undefined && d.retainUntil < w.date;
    const hasWarning = plan.warnings.some((x) => x.code === "retention-expired" && x.message.includes(d.id));
    if (expired !== hasWarning) problems.push(`data set ${d.id}: retention-expired warning ${hasWarning ? "present" : "missing"}`);
  }

  // Order cycles (between applications, through order links only) are named in a dependency-cycle warning.
  const ids = [...planned].sort();
  const index = new Map(ids.map((id, i) => [id, i]));
  const reach = ids.map(() => new Array<boolean>(ids.length).fill(false));
  for (const a of estate.applications) {
    if (!planned.has(a.id)) continue;
    for (const d of a.dependsOn) {
      if (!planned.has(d.app) || d.app === a.id || d.together || d.order === "none") continue;
      const retiring = apps.get(d.app)!.disposition === "retire";
      const [x, y] = retiring ? [a.id, d.app] : [d.app, a.id];
      reach[index.get(x)!]![index.get(y)!] = true;
    }
  }
  for (let k = 0; k < ids.length; k++) for (let i = 0; i < ids.length; i++) if (reach[i]![k]) for (let j = 0; j < ids.length; j++) if (reach[k]![j]) reach[i]![j] = true;
  ids.forEach((id, i) => {
    if (reach[i]![i] && !warned("dependency-cycle", id)) problems.push(`${id} is in an order cycle but no dependency-cycle warning names it`);
  });

  // Re-IP: a network overlapping a legacy network at another site, holding a host of a planned
  // application that is not retired, is re-addressed by a change in a wave before that
  // application's, or a reip-required warning names the application.
  const v4 = estate.networks.filter((n) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(n.prefix)).map((n) => ({ n, r: range4(n.prefix) }));
  const colliding = v4.filter((x) => v4.some((y) => y.n.site !== x.n.site && y.r[0] <= x.r[1] && x.r[0] <= y.r[1]));
  const changeAt = new Map<string, string>();
  for (const w of plan.waves) for (const c of w.changes ?? []) {
    if (changeAt.has(c.id)) problems.push(`change ${c.id} appears twice`);
    changeAt.set(c.id, w.date);
  }
  const needed = new Set<string>();
  for (const id of planned) {
    const a = apps.get(id)!;
    if (a.disposition === "retire") continue;
    for (const h of a.hosts) {
      const host = hosts.get(h);
      if (!host) continue;
      for (const { n, r } of colliding) {
        if (n.site !== host.site || ip4(host.address) < r[0] || ip4(host.address) > r[1]) continue;
        needed.add(`reip-${n.id}`);
        const w = wave.get(id);
        const at = changeAt.get(`reip-${n.id}`);
        if (w && !(at !== undefined && at < w.date) && !warned("reip-required", id)) problems.push(`${id} moves on ${w.date} before its network ${n.id} is re-addressed (${at ?? "never"}) without a reip-required warning`);
      }
    }
  }
  // (Collisions with a target stack's address plan are not modelled here: with a target stack,
  // a change may be needed for a network no legacy network overlaps.)
  for (const id of changeAt.keys()) if (!needed.has(id) && !plan.targetStack && !plan.waves.some((w) => w.kept && (w.changes ?? []).some((c) => c.id === id))) problems.push(`change ${id} re-addresses a network no planned application needs`);

  if (opts.runbooks) {
    checkTiming(estate, plan, opts.runbooks, problems);
    if (opts.unconstrained) {
      const concurrency = estate.calendar?.runLimits?.concurrency ?? 10;
      for (const w of plan.waves) {
        if (!w.timing || w.timing.fits) continue;
        // Each group alone: its applications' P90s list-scheduled on the run's slots.
        const groups = new Map<string, number[]>();
        for (const a of w.applications) {
          const d = opts.runbooks.get(a.runbook)!.steps.reduce((t, s) => t + Math.round(stepP90(apps.get(a.id)!.estimates?.[s.id] ?? s.estimate)), 0);
          const group = a.group ?? a.id;
          groups.set(group, [...(groups.get(group) ?? []), d]);
        }
        const alone = [...groups.values()].some((ds) => {
          const free = new Array<number>(Math.min(concurrency, ds.length)).fill(0);
          for (const d of ds) {
            const k = free.indexOf(Math.min(...free));
            free[k] = free[k]! + d;
          }
          return Math.max(...free) > w.timing!.windowMs;
        });
        if (!alone) problems.push(`wave ${w.number} runs past its window although none of its groups needs more than a window and later waves were free (rule 13)`);
      }
    }
  }

  // The hash: SHA-256 of the RFC 8785 form of the plan without `hash`.
  const { hash, ...rest } = plan;
  const expected = `sha256:${createHash("sha256").update(canonicalize(rest)!).digest("hex")}`;
  if (hash !== expected) problems.push(`hash ${hash} does not verify (expected ${expected})`);
  return problems;
}
