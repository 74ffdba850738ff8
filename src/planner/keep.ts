/**
 * Re-plans that keep what was decided (docs/planning.md, "Keeping approved waves"): the waves of
 * an earlier plan that a board approved or that ran are copied into the new plan as they were,
 * and only the rest is planned around them.
 */
import type { Estate } from "../model/estate.js";
import type { Plan, PlanWarning, Wave } from "../model/plan.js";
import { dateIn, type BlackoutResolver } from "./calendar.js";
import { isPlanned } from "./facts.js";

/** What `ferry plan --keep` hands the planner: the earlier plan (its hash verified) and the waves to keep. */
export interface KeepInput {
  /** The earlier plan's path as the plan records it (relative to the project directory). */
  file: string;
  plan: Plan;
  /** Wave numbers of `plan` to keep, and why (`approved`, `run`). */
  waves: readonly { wave: number; because: string }[];
}

/** One kept wave: the earlier plan's wave and why it is kept. */
export interface KeptWave {
  wave: Wave;
  because: string;
}

/** The kept waves in date order; wave numbers `plan` lacks are ignored. */
export function keptWaves(keep: KeepInput | undefined): KeptWave[] {
  if (!keep) return [];
  const because = new Map(keep.waves.map((w) => [w.wave, w.because]));
  return keep.plan.waves.filter((w) => because.has(w.number)).map((wave) => ({ wave, because: because.get(wave.number)! })).sort((a, b) => (a.wave.date < b.wave.date ? -1 : 1));
}

/** Where an application ended up: its wave and date, or undefined when it is not in a wave. */
export type WaveOf = (id: string) => { number: number; date: string } | undefined;

/**
 * `kept-wave-conflict`: one warning per kept wave and broken rule, naming the applications.
 * The kept wave stays as it was; the board decides. Rules checked against the estate as it is
 * now: still planned, together, order, blackouts, freezes, capacity.
 */
export function keptConflicts(estate: Estate, kept: readonly Wave[], waveOf: WaveOf, resolver: BlackoutResolver): PlanWarning[] {
  const apps = new Map(estate.applications.map((a) => [a.id, a]));
  const hosts = new Map(estate.hosts.map((h) => [h.id, h]));
  const cal = estate.calendar;
  const out: PlanWarning[] = [];
  for (const wave of kept) {
    const found = new Map<string, { ids: Set<string>; detail: Set<string> }>();
    const flag = (rule: string, id: string, detail: string) => {
      let f = found.get(rule);
      if (!f) found.set(rule, (f = { ids: new Set(), detail: new Set() }));
      f.ids.add(id);
      f.detail.add(detail);
    };
    const sites = new Map<string, number>();
    let effort = 0;
    let users = 0;
    for (const pa of wave.applications) {
      const a = apps.get(pa.id);
      if (!a || !isPlanned(a)) {
        flag("planned applications", pa.id, `${pa.id} is no longer planned (${a ? `disposition ${a.disposition}` : "not in the estate"})`);
        continue;
      }
      effort += a.effort;
      users += a.users;
      const site = a.hosts[0] === undefined ? undefined : hosts.get(a.hosts[0])?.site;
      if (site !== undefined) sites.set(site, (sites.get(site) ?? 0) + 1);
      for (const b of resolver.resolve(a.blackouts)) if (dateIn(wave.date, b)) flag("blackouts", pa.id, `${pa.id} is inside blackout ${b.event ?? b.reason} (${b.from} to ${b.to})`);
      for (const d of a.dependsOn) {
        const other = apps.get(d.app);
        if (!other || !isPlanned(other) || d.order === "none" || d.app === a.id) continue;
        const ow = waveOf(d.app);
        if (d.together) {
          if (ow?.date !== wave.date) flag("together", pa.id, `${pa.id} must move together with ${d.app} (${ow ? `wave ${ow.number}` : "unplaced"})`);
          continue;
        }
        const retiring = other.disposition === "retire";
        if (retiring ? ow !== undefined && ow.date < wave.date : ow === undefined || ow.date > wave.date) {
          flag("order", pa.id, retiring ? `${d.app} is retired in wave ${ow!.number}, before ${pa.id} moves` : `${pa.id} depends on ${d.app} (${ow ? `wave ${ow.number} on ${ow.date}` : "unplaced"})`);
        }
      }
    }
    // Links declared by applications outside the wave onto its applications.
    const here = new Set(wave.applications.map((a) => a.id));
    for (const a of estate.applications) {
      if (here.has(a.id) || !isPlanned(a)) continue;
      for (const d of a.dependsOn) {
        if (!here.has(d.app) || d.order === "none") continue;
        const mine = apps.get(d.app);
        if (!mine || !isPlanned(mine)) continue;
        const aw = waveOf(a.id);
        if (d.together) {
          flag("together", d.app, `${a.id} must move together with ${d.app} (${aw ? `wave ${aw.number}` : "unplaced"})`);
          continue;
        }
        // a depends on d.app: d.app first, unless d.app is being retired (then a first).
        if (mine.disposition === "retire" && (aw === undefined || aw.date > wave.date)) flag("order", d.app, `${d.app} is retired here, before ${a.id} (which depends on it) moves (${aw ? `wave ${aw.number}` : "unplaced"})`);
      }
    }
    if (cal) {
      for (const f of cal.freezes) if (dateIn(wave.date, f)) for (const id of here) flag("calendar", id, `${wave.date} is inside the freeze ${f.reason} (${f.from} to ${f.to})`);
      const c = cal.capacity;
      const over: string[] = [];
      const count = wave.applications.length;
      if (c.applications !== undefined && count > c.applications) over.push(`${count} applications, capacity ${c.applications}`);
      if (c.effort !== undefined && effort > c.effort) over.push(`effort ${effort}, capacity ${c.effort}`);
      if (c.users !== undefined && users > c.users) over.push(`${users} users, capacity ${c.users}`);
      if (c.perSite !== undefined) for (const [s, n] of [...sites].sort(([x], [y]) => (x < y ? -1 : 1))) if (n + (wave.changes ?? []).filter((ch) => ch.site === s).length > c.perSite) over.push(`site ${s} has ${n} applications, capacity ${c.perSite}`);
      if (over.length) for (const id of here) flag("capacity", id, over.join("; "));
    }
    for (const [rule, f] of [...found].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const details = [...f.detail].sort();
      out.push({
        code: "kept-wave-conflict",
        message: `kept wave ${wave.number} on ${wave.date} no longer satisfies the ${rule} rule: ${details.slice(0, 6).join("; ")}${details.length > 6 ? ` and ${details.length - 6} more` : ""}; it is kept as approved or run, for the board to decide`,
        applications: [...f.ids].sort(),
        rule,
      });
    }
  }
  return out;
}
