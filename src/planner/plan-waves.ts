import { API_VERSION } from "../model/common.js";
import type { Dataset } from "../model/estate.js";
import type { Plan, PlannedApplication, PlannedChange, PlannedDataset, PlanWarning, Wave } from "../model/plan.js";
import { blackoutName, isKnownTimeZone, waveSlots, waveWindow, type Slot } from "./calendar.js";
import { computePlanHash } from "./canonical.js";
import { blackoutResolver, collectFacts, describeDeadline, type AppFacts } from "./facts.js";
import { resolveRefs } from "../model/refs.js";
import { buildGroups, type Group } from "./groups.js";
import { digestInputs } from "./inputs-digest.js";
import { chooseTargetStack, type PlanInputs, type PlanOptions } from "./inputs.js";
import { keptConflicts, keptWaves } from "./keep.js";
import { memberReason, placeGroups, type Placement } from "./place-groups.js";
import { REIP_RUNBOOK, reipNetworks, type ReipNetwork } from "./reip.js";
import { cycleWarnings, reipWarnings, retentionWarnings } from "./warnings.js";
import { SlotTimes, planLimits } from "./window-fit.js";
import { TimingCatalogue } from "../timing/catalogue.js";
import { MIN_ACTUALS, type StepActuals, type StepTiming } from "../timing/types.js";
import { durationsOf, overrunMessage, simulateWave, type TimedApplication } from "../timing/wave-timing.js";

const WARNING_ORDER = ["no-calendar", "unknown-timezone", "kept-wave-conflict", "dependency-cycle", "site-deadline", "retention-expired", "reip-required", "window-overrun"];
const CRITICALITY_ORDER = ["critical", "high", "medium", "low"];

function byWarning(a: PlanWarning, b: PlanWarning): number {
  const ca = WARNING_ORDER.indexOf(a.code);
  const cb = WARNING_ORDER.indexOf(b.code);
  if (ca !== cb) return ca - cb;
  const fa = a.applications?.[0] ?? "";
  const fb = b.applications?.[0] ?? "";
  if (fa !== fb) return fa < fb ? -1 : 1;
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

function plannedApplication(f: AppFacts, group: Group, deferred: Placement["deferred"]): PlannedApplication {
  const a = f.app;
  const d = deferred.size > 0 ? deferred.get(group.index) : undefined;
  // Only a group that moves several applications together is worth a reviewer's line: an
  // application alone in its group has nothing to move with.
  const planned: PlannedApplication =
    group.members.length > 1
      ? { id: a.id, runbook: f.runbook, group: group.id, site: f.site, target: a.target ?? null }
      : { id: a.id, runbook: f.runbook, site: f.site, target: a.target ?? null };
  // Added last, as the plan file lists it; no empty object spread per application.
  if (d) planned.deferredBy = { blackout: blackoutName(d.blackout), reason: d.blackout.reason, skipped: d.date };
  return planned;
}

function plannedDataset(d: Dataset): PlannedDataset {
  return { id: d.id, application: d.application, decision: d.decision, sizeGb: d.sizeGb, ...(d.retainUntil ? { retainUntil: d.retainUntil } : {}) };
}

/** Groups with a member whose runbook the project lacks: they cannot run, so they are not placed. */
function missingRunbooks(groups: readonly Group[], facts: readonly AppFacts[], inputs: PlanInputs): Map<number, string> {
  const blocked = new Map<number, string>();
  for (const g of groups) {
    const missing = g.members.map((m) => facts[m]!).filter((f) => !inputs.runbooks.has(f.runbook));
    if (missing.length === 0) continue;
    blocked.set(g.index, missing.map((f) => `${f.app.id} needs runbook ${f.runbook}, which is not in runbooks/`).join("; "));
  }
  return blocked;
}

/** `site-deadline`: applications placed after their deadline (site exit, support or contract end), or not placed at all. */
function deadlineWarnings(placed: readonly { facts: AppFacts[]; wave: { number: number; date: string } | undefined }[]): PlanWarning[] {
  const out: PlanWarning[] = [];
  for (const { facts, wave } of placed) {
    const late = new Map<string, string[]>(); // described deadline → applications
    for (const f of facts) {
      const d = f.deadline;
      if (!d || (wave !== undefined && wave.date <= d.closes)) continue;
      const key = `${d.closes}|${d.kind}|${describeDeadline(d)}`;
      const apps = late.get(key);
      if (apps) apps.push(f.app.id);
      else late.set(key, [f.app.id]);
    }
    for (const [key, apps] of [...late].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const [closes, kind, what] = key.split("|") as [string, string, string];
      const who = apps.join(", ");
      const message =
        wave === undefined
          ? `${who} ${what} could not be placed, so ${apps.length === 1 ? "it" : "they"} will not move before that deadline; see unplaced`
          : `${who} ${what} ${apps.length === 1 ? "is" : "are"} placed in wave ${wave.number} on ${wave.date}, after ${kind === "site" ? "the site closes" : `${apps.length === 1 ? "its" : "their"} ${kind} ends`}: no wave on or before ${closes} could take ${apps.length === 1 ? "it" : "them"}`;
      out.push({ code: "site-deadline", message, applications: apps });
    }
  }
  return out;
}

/** The same facts re-indexed 0…n-1 (placement indexes applications by position). */
function reindex(facts: readonly AppFacts[]): AppFacts[] {
  return facts.map((f, index) => (f.index === index ? f : { ...f, index }));
}

/**
 * Plan migration waves from a validated project: pure and deterministic, so the same inputs
 * give a byte-identical plan. Every rule of docs/formats.md, "Planning rules", holds for the
 * result; what cannot be placed without breaking one is listed in `unplaced` with the reason.
 * With `keep`, the earlier plan's approved or run waves are copied as they were and only the
 * rest is planned around them (docs/planning.md, "Keeping approved waves").
 *
 * @example
 * const project = await loadProject("."); assertValid(project);
 * const plan = planWaves(project, { stack: "prod" });
 */
export function planWaves(inputs: PlanInputs, options: PlanOptions = {}): Plan {
  const { estate } = inputs;
  const signal = options.signal;
  const timings = options.timings;
  let phaseStart = timings ? performance.now() : 0;
  const phase = (name: keyof NonNullable<PlanOptions["timings"]>) => {
    if (!timings) return;
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - phaseStart);
    phaseStart = now;
  };
  const stackName = chooseTargetStack(inputs, options.stack);
  const target = stackName === undefined ? undefined : inputs.stacks.get(stackName)?.target;
  const resolver = blackoutResolver(estate);

  // Kept waves: their applications are fixed, their dates taken from the slots new groups use.
  const kept = keptWaves(options.keep);
  const keptDate = new Map<string, string>();
  for (const k of kept) for (const a of k.wave.applications) keptDate.set(a.id, k.wave.date);
  // Links and hosts by position, as validation resolved them (or resolved here for inputs built by hand).
  const refs = inputs.refs ?? resolveRefs(estate);
  const allFacts = collectFacts(estate, resolver, refs);
  const facts = keptDate.size ? reindex(allFacts.filter((f) => !keptDate.has(f.app.id))) : allFacts;
  const keptFacts = keptDate.size ? allFacts.filter((f) => keptDate.has(f.app.id)) : [];
  phase("facts");
  signal?.throwIfAborted();
  const grouping = buildGroups(facts, refs);
  signal?.throwIfAborted();
  const { groups } = grouping;
  // Order cycles are named over every planned application, kept ones included.
  const warnings: PlanWarning[] = keptDate.size ? cycleWarnings(buildGroups(allFacts, refs).cycles, allFacts) : cycleWarnings(grouping.cycles, facts);
  phase("graph");

  const calendar = estate.calendar;
  let timezone = calendar?.window.timezone ?? "UTC";
  if (calendar && !isKnownTimeZone(timezone)) {
    warnings.push({ code: "unknown-timezone", message: `time zone ${timezone} is unknown to this system; maintenance windows are given in UTC` });
    timezone = "UTC";
  }
  const cut = calendar ? waveSlots(calendar) : undefined;
  const keptDates = new Set(kept.map((k) => k.wave.date));
  const slots = (cut?.slots ?? []).filter((s) => !keptDates.has(s.date));

  // A new application whose prerequisite sits in a kept wave moves after that wave.
  const after = new Map<number, string>();
  if (keptDate.size) {
    const indexOf = new Map(facts.map((f) => [f.app.id, f.index]));
    const retiring = new Set(allFacts.filter((f) => f.retiring).map((f) => f.app.id));
    const later = (app: number, date: string) => {
      const g = grouping.groupOf[app]!;
      const was = after.get(g);
      if (was === undefined || date > was) after.set(g, date);
    };
    for (const f of facts) {
      for (const d of f.app.dependsOn) {
        const date = keptDate.get(d.app);
        if (date !== undefined && !d.together && d.order !== "none" && !retiring.has(d.app)) later(f.index, date);
      }
    }
    for (const k of keptFacts) {
      for (const d of k.app.dependsOn) {
        const i = indexOf.get(d.app);
        if (i !== undefined && !d.together && d.order !== "none" && facts[i]!.retiring) later(i, keptDate.get(k.app.id)!);
      }
    }
  }

  // Networks to re-address: needed by new applications (indices below facts.length) or kept ones.
  const networks = reipNetworks(estate, keptFacts.length ? [...facts, ...keptFacts] : facts, target, refs);
  const keptChange = new Map<string, string>();
  for (const k of kept) for (const c of k.wave.changes ?? []) if (!keptChange.has(c.id)) keptChange.set(c.id, k.wave.date);
  const needs = new Map<number, number[]>();
  networks.forEach((n, i) => {
    for (const a of n.apps) {
      if (a >= facts.length) continue;
      const g = grouping.groupOf[a]!;
      const list = needs.get(g);
      if (!list) needs.set(g, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    }
  });
  const reipNeeds = networks.map((n) => {
    const fixedDate = keptChange.get(n.change);
    return { site: n.site, ...(fixedDate !== undefined ? { fixedDate } : {}), bookFirst: fixedDate === undefined && n.apps.every((a) => a >= facts.length) };
  });

  const blocked = missingRunbooks(groups, facts, inputs);
  if (!calendar) {
    for (const g of groups) if (!blocked.has(g.index)) blocked.set(g.index, "the estate has no calendar, so there are no wave slots: add `calendar:` to a file in estate/");
    if (facts.length > 0 || keptFacts.length > 0) warnings.push({ code: "no-calendar", message: "the estate has no calendar; every planned application is unplaced until one is added" });
  }
  // Window fit: every application's runbook estimates, and each slot's window, under the run's limits.
  const limits = planLimits(estate);
  const windowFit = options.windowFit ?? true;
  const actuals = windowFit ? usefulActuals(options.actuals, inputs) : undefined;
  const catalogue = new TimingCatalogue(inputs.runbooks, estate.datasets, actuals);
  // Each application's runbook timing, looked up once: placement reads its P90, each wave simulates it.
  const timingOf = calendar && windowFit ? facts.map((f) => catalogue.of(f)) : [];
  const windowOf = (date: string) => waveWindow(date, { start: calendar!.window.start, end: calendar!.window.end, timezone });
  phase("placement");
  // Each slot's window length, once: placement asks for it on every fit check, and the time
  // zone arithmetic behind a window (Intl) costs microseconds a call.
  const windowMs = Float64Array.from(slots, (slot) => {
    if (!calendar || !windowFit) return 0;
    const w = windowOf(slot.date);
    return Date.parse(w.end) - Date.parse(w.start);
  });
  const time = calendar && windowFit
    ? new SlotTimes(
        slots.length,
        (slot) => windowMs[slot]!,
        limits,
        { p90: Float64Array.from(timingOf, (t) => (t ? durationsOf(t).p90 : 0)), site: (i) => facts[i]!.site, hosts: (i) => facts[i]!.app.hosts },
      )
    : undefined;
  phase("timing");
  const placement = placeGroups(groups, facts, { slots, capacity: calendar?.capacity ?? {}, blocked, edges: grouping.edges, links: grouping.links, after, reip: { networks: reipNeeds, needs }, ...(time ? { time } : {}) });
  signal?.throwIfAborted();

  // Waves are numbered over the dates used: slots holding applications or re-IPs, and kept waves.
  const usedSlots = new Set<number>();
  for (const s of placement.slotOf) if (s >= 0) usedSlots.add(s);
  for (const s of placement.reipSlot) if (s >= 0) usedSlots.add(s);
  const dates = [...[...usedSlots].map((s) => slots[s]!.date), ...keptDates].sort();
  const numberOf = new Map(dates.map((d, i) => [d, i + 1]));

  // One (read-only) wave record per date, shared by the applications in that wave.
  const waveRecords = new Map<string, { number: number; date: string }>();
  const waveAt = (date: string) => {
    let w = waveRecords.get(date);
    if (!w) waveRecords.set(date, (w = { number: numberOf.get(date)!, date }));
    return w;
  };
  const byDate = new Map<string, AppFacts[]>();
  const unplaced: Plan["unplaced"] = [];
  const waveOfApp = new Map<string, { number: number; date: string }>();
  for (const f of facts) {
    const g = groups[grouping.groupOf[f.index]!]!;
    const slot = placement.slotOf[g.index]!;
    if (slot < 0) {
      unplaced.push({ application: f.app.id, reason: memberReason(g, facts, placement.reasons.get(g.index)!, f.index), group: g.id });
      continue;
    }
    const date = slots[slot]!.date;
    waveOfApp.set(f.app.id, waveAt(date));
    let list = byDate.get(date);
    if (!list) byDate.set(date, (list = []));
    list.push(f);
  }
  for (const k of kept) for (const a of k.wave.applications) waveOfApp.set(a.id, { number: numberOf.get(k.wave.date)!, date: k.wave.date });
  // Data sets by the date their application moves (one look-up per data set, not per application).
  const datasetsOn = new Map<string, Dataset[]>();
  for (const d of estate.datasets) {
    const date = waveOfApp.get(d.application)?.date;
    if (date === undefined) continue;
    const list = datasetsOn.get(date);
    if (list) list.push(d);
    else datasetsOn.set(date, [d]);
  }

  // The re-IP changes, by the date of their wave, each naming the applications that wait for it.
  const reipAt = (n: number): { number: number; date: string } | null => {
    const fixed = reipNeeds[n]!.fixedDate;
    const s = placement.reipSlot[n]!;
    const date = fixed ?? (s >= 0 ? slots[s]!.date : undefined);
    return date === undefined ? null : { number: numberOf.get(date)!, date };
  };
  const appOf = (i: number): AppFacts => (i < facts.length ? facts[i]! : keptFacts[i - facts.length]!);
  const changesOn = new Map<string, PlannedChange[]>();
  const late: { network: ReipNetwork; reipAt: { wave: number; date: string } | null; apps: { id: string; wave: number; date: string; why: string }[] }[] = [];
  networks.forEach((n, i) => {
    const at = reipAt(i);
    const lateApps: { id: string; wave: number; date: string; why: string }[] = [];
    const waiting: string[] = [];
    for (const a of n.apps) {
      const f = appOf(a);
      const w = waveOfApp.get(f.app.id);
      if (!w) continue;
      if (at && w.date > at.date) waiting.push(f.app.id);
      else {
        const ahead = a < facts.length ? placement.aheadOfReip.get(grouping.groupOf[a]!) : undefined;
        const why = a >= facts.length ? `${f.app.id} is in a kept wave` : ahead === "deadline" ? `waiting for it would miss ${f.app.id}'s deadline ${f.deadline?.closes ?? ""}`.trimEnd() : `no wave before ${f.app.id}'s had room for the re-IP at ${n.site}`;
        lateApps.push({ id: f.app.id, wave: w.number, date: w.date, why });
      }
    }
    if (at && !keptChange.has(n.change)) {
      let list = changesOn.get(at.date);
      if (!list) changesOn.set(at.date, (list = []));
      list.push({ id: n.change, kind: "reip", runbook: REIP_RUNBOOK, network: n.network, site: n.site, legacyPrefix: n.prefix, newPrefix: n.newPrefix, host: n.host, before: waiting.sort() });
    }
    if (lateApps.length) {
      lateApps.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : x.id < y.id ? -1 : 1));
      late.push({ network: n, reipAt: at ? { wave: at.number, date: at.date } : null, apps: lateApps });
    }
  });

  const keptByDate = new Map(kept.map((k) => [k.wave.date, k]));
  const overruns: PlanWarning[] = [];
  const waves: Wave[] = dates.map((date) => {
    const number = numberOf.get(date)!;
    const k = keptByDate.get(date);
    if (k) return { ...k.wave, number, kept: { plan: options.keep!.plan.hash, wave: k.wave.number, because: k.because } };
    const members = byDate.get(date) ?? [];
    const sites: Record<string, number> = {};
    let effort = 0;
    let users = 0;
    for (const f of members) {
      effort += f.app.effort;
      users += f.app.users;
      if (f.site !== null) sites[f.site] = (sites[f.site] ?? 0) + 1;
    }
    const highest = CRITICALITY_ORDER.find((c) => members.some((f) => f.app.criticality === c)) ?? "low";
    const changes = changesOn.get(date);
    const window = windowOf(date);
    const timed: TimedApplication[] = [];
    if (windowFit) for (const f of members) {
      const t = timingOf[f.index];
      if (t) timed.push({ id: f.app.id, site: f.site, hosts: f.app.hosts, timing: t });
    }
    const timingStart = timings && windowFit ? performance.now() : 0;
    const simulated = windowFit ? simulateWave(timed, limits, window) : undefined;
    const timing = simulated?.timing;
    if (simulated && !simulated.timing.fits) overruns.push({ code: "window-overrun", message: overrunMessage({ number, date }, simulated, timed.map((a) => a.id)), applications: simulated.timing.criticalPath.map((p) => p.application) });
    if (timings && windowFit) {
      // Counted under timing, not under placement, whose clock runs on.
      const spent = performance.now() - timingStart;
      timings.timing = (timings.timing ?? 0) + spent;
      phaseStart += spent;
    }
    return {
      number,
      date,
      window,
      applications: members.map((f) => plannedApplication(f, groups[grouping.groupOf[f.index]!]!, placement.deferred)),
      load: { applications: members.length, effort, users, sites: Object.fromEntries(Object.entries(sites).sort(([a], [b]) => (a < b ? -1 : 1))) },
      datasets: (datasetsOn.get(date) ?? []).map(plannedDataset).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      highestCriticality: highest,
      ...(changes ? { changes: changes.sort((a, b) => (a.id < b.id ? -1 : 1)) } : {}),
      ...(timing ? { timing } : {}),
    };
  });
  warnings.push(...overruns);

  const byGroup = groups.map((g) => {
    const slot = placement.slotOf[g.index]!;
    return { facts: g.members.map((m) => facts[m]!), wave: slot >= 0 ? waveAt(slots[slot]!.date) : undefined };
  });
  const keptGroups = keptFacts.map((f) => ({ facts: [f], wave: waveOfApp.get(f.app.id) }));
  warnings.push(...deadlineWarnings([...byGroup, ...keptGroups]));
  warnings.push(...retentionWarnings(estate.datasets, waveOfApp));
  warnings.push(...reipWarnings(late));
  if (kept.length) {
    warnings.push(
      ...keptConflicts(
        estate,
        waves.filter((w) => w.kept),
        (id) => waveOfApp.get(id),
        resolver,
      ),
    );
  }
  warnings.sort(byWarning);

  const usedRunbooks = new Set(waves.flatMap((w) => [...w.applications.map((a) => a.runbook), ...(w.changes ?? []).map((c) => c.runbook)]));
  const digests = digestInputs(inputs, usedRunbooks);
  const capacity = Object.fromEntries(Object.entries(calendar?.capacity ?? {}).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) as Record<string, number>;
  const keepRecord = options.keep
    ? {
        keep: { file: options.keep.file, plan: options.keep.plan.hash, waves: kept.map((k) => ({ wave: k.wave.number, date: k.wave.date, because: k.because })) },
        moved: movedApplications(options.keep.plan, kept, waveOfApp, unplaced, (id) => explainMove(id, { facts, grouping, placement, slots, waveOfApp, index: new Map(facts.map((f) => [f.app.id, f.index])) })),
      }
    : {};

  const body = {
    apiVersion: API_VERSION as typeof API_VERSION,
    kind: "Plan" as const,
    inputsDigest: digests.inputsDigest,
    estateDigest: digests.estate,
    stacks: digests.stacks,
    runbooks: digests.runbooks,
    targetStack: stackName ?? null,
    ...keepRecord,
    ...(calendar && windowFit ? { timing: { limits, minActuals: MIN_ACTUALS, actuals: Object.fromEntries([...(actuals ?? new Map<string, StepTiming>())].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, t]) => [k, { count: t.count, rehearsals: t.rehearsals, real: t.real, p50Ms: t.p50Ms, p90Ms: t.p90Ms }])) } } : {}),
    calendar: calendar
      ? {
          firstWave: calendar.firstWave,
          cadenceDays: calendar.cadenceDays,
          horizonWaves: calendar.horizonWaves,
          lastSlot: cut!.lastSlot,
          window: { start: calendar.window.start, end: calendar.window.end, timezone },
          freezes: calendar.freezes.map((f) => ({ from: f.from, to: f.to, reason: f.reason })),
          capacity,
        }
      : null,
    waves,
    unplaced,
    warnings,
  };
  phase("placement");
  const plan: Plan = { ...body, hash: computePlanHash(body) };
  phase("hash");
  return plan;
}

/** The applications of the earlier plan, outside its kept waves, whose wave date changed (or that became placed or unplaced). */
function movedApplications(
  earlier: Plan,
  kept: readonly { wave: Wave }[],
  now: ReadonlyMap<string, { number: number; date: string }>,
  unplaced: Plan["unplaced"],
  why: (id: string, was: string) => string,
): NonNullable<Plan["moved"]> {
  const keptNumbers = new Set(kept.map((k) => k.wave.number));
  const was = new Map<string, { wave: number; date: string } | null>();
  for (const w of earlier.waves) if (!keptNumbers.has(w.number)) for (const a of w.applications) was.set(a.id, { wave: w.number, date: w.date });
  for (const u of earlier.unplaced) was.set(u.application, null);
  const unplacedNow = new Map(unplaced.map((u) => [u.application, u.reason]));
  const ids = new Set([...was.keys(), ...[...now.keys()].filter((id) => !was.has(id) && !kept.some((k) => k.wave.applications.some((a) => a.id === id)))]);
  const out: NonNullable<Plan["moved"]> = [];
  for (const id of [...ids].sort()) {
    const from = was.get(id) ?? null;
    const n = now.get(id);
    const to = n ? { wave: n.number, date: n.date } : null;
    if (from?.date === to?.date && (from !== null || to !== null || unplacedNow.has(id))) continue;
    const reason = to === null ? (unplacedNow.has(id) ? `unplaced: ${unplacedNow.get(id)!}` : "no longer planned (removed from the estate or retained)") : from === null ? (was.has(id) ? "was unplaced; a wave now has room" : "new to the plan") : to.date < from.date ? "an earlier wave now has room for it" : why(id, from.date);
    out.push({ application: id, from, to, why: reason });
  }
  return out;
}

type MoveContext = {
  facts: readonly AppFacts[];
  grouping: ReturnType<typeof buildGroups>;
  placement: Placement;
  slots: readonly Slot[];
  waveOfApp: ReadonlyMap<string, { number: number; date: string }>;
};

/** Why a placed application is not in its wave of the earlier plan any more: the first reason that applies. */
function explainMove(id: string, ctx: MoveContext & { index: ReadonlyMap<string, number> }): string {
  const i = ctx.index.get(id);
  const now = ctx.waveOfApp.get(id);
  if (i === undefined || !now) return "re-planned";
  const g = ctx.grouping.groupOf[i]!;
  const deferred = ctx.placement.deferred.get(g);
  if (deferred) return `held out of the wave on ${deferred.date} by blackout ${blackoutName(deferred.blackout)}`;
  const edges = ctx.grouping.edges;
  let latest: { id: string; date: string } | undefined;
  for (let e = edges.predStart[g]!; e < edges.predStart[g + 1]!; e++) {
    const s = ctx.placement.slotOf[edges.predGroup[e]!]!;
    if (s < 0) continue;
    const date = ctx.slots[s]!.date;
    if (!latest || date > latest.date) latest = { id: ctx.facts[ctx.grouping.groups[edges.predGroup[e]!]!.members[0]!]!.app.id, date };
  }
  if (latest && latest.date === now.date) return `moves with its prerequisite ${latest.id} (wave on ${latest.date})`;
  const ahead = ctx.placement.aheadOfReip.get(g);
  if (ahead) return `placed ahead of its network's re-IP (${ahead})`;
  return "the earliest wave with room for it now, after kept waves, prerequisites, blackouts and capacity";
}

/**
 * The actuals planning can use: enough measurements (`MIN_ACTUALS`) of a step of a runbook the
 * project has. The plan records exactly these, and re-planning it uses the recorded ones.
 */
function usefulActuals(actuals: StepActuals | undefined, inputs: PlanInputs): StepActuals | undefined {
  if (!actuals || actuals.size === 0) return undefined;
  const useful = new Map<string, StepTiming>();
  for (const [key, t] of actuals) {
    const runbook = key.slice(0, key.indexOf("/"));
    if (t.count >= MIN_ACTUALS && inputs.runbooks.has(runbook)) useful.set(key, { count: t.count, rehearsals: t.rehearsals, real: t.real, p50Ms: t.p50Ms, p90Ms: t.p90Ms });
  }
  return useful.size ? useful : undefined;
}
