/**
 * An independent checker of docs/formats.md, "Planning rules", written from the text of the
 * rules and not from the planner's code: it shares no helper with src/planner/. Returns every
 * violation as a sentence, so a failing property test prints what went wrong.
 */
import { createHash } from "node:crypto";
import canonicalize from "canonicalize";
import type { Application, Estate } from "../../src/model/estate.js";
import type { Plan } from "../../src/model/plan.js";

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

export function checkPlan(estate: Estate, plan: Plan): string[] {
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

  // The hash: SHA-256 of the RFC 8785 form of the plan without `hash`.
  const { hash, ...rest } = plan;
  const expected = `sha256:${createHash("sha256").update(canonicalize(rest)!).digest("hex")}`;
  if (hash !== expected) problems.push(`hash ${hash} does not verify (expected ${expected})`);
  return problems;
}
