import { API_VERSION } from "../model/common.js";
import type { Dataset } from "../model/estate.js";
import type { Plan, PlannedApplication, PlannedDataset, PlanWarning, Wave } from "../model/plan.js";
import { isKnownTimeZone, waveSlots, waveWindow, type Slot } from "./calendar.js";
import { computePlanHash } from "./canonical.js";
import { collectFacts, type AppFacts } from "./facts.js";
import { buildGroups, type Group } from "./groups.js";
import { digestInputs } from "./inputs-digest.js";
import { chooseTargetStack, type PlanInputs, type PlanOptions } from "./inputs.js";
import { memberReason, placeGroups } from "./place-groups.js";
import { cycleWarnings, reipWarnings, retentionWarnings } from "./warnings.js";

const WARNING_ORDER = ["no-calendar", "unknown-timezone", "dependency-cycle", "site-deadline", "retention-expired", "reip-required"];
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

function plannedApplication(f: AppFacts, group: Group): PlannedApplication {
  const a = f.app;
  return {
    id: a.id,
    runbook: f.runbook,
    group: group.id,
    site: f.site,
    target: a.target ?? null,
    name: a.name,
    owner: a.owner,
    criticality: a.criticality,
    users: a.users,
    effort: a.effort,
    disposition: a.disposition,
    delivery: a.delivery,
  };
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

/** `site-deadline`: members on a closing site placed after it closes, or not placed at all. */
function deadlineWarnings(groups: readonly Group[], facts: readonly AppFacts[], slotOf: Int32Array, slots: readonly Slot[], waveOfSlot: Map<number, number>): PlanWarning[] {
  const out: PlanWarning[] = [];
  for (const g of groups) {
    const slot = slotOf[g.index]!;
    const date = slot >= 0 ? slots[slot]!.date : undefined;
    const late = new Map<string, string[]>(); // "site|closes" → applications
    for (const m of g.members) {
      const d = facts[m]!.deadline;
      if (!d || (date !== undefined && date <= d.closes)) continue;
      const key = `${d.site}|${d.closes}`;
      const apps = late.get(key);
      if (apps) apps.push(facts[m]!.app.id);
      else late.set(key, [facts[m]!.app.id]);
    }
    for (const [key, apps] of [...late].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const [site, closes] = key.split("|") as [string, string];
      const who = apps.join(", ");
      const message =
        date === undefined
          ? `${who} on ${site} (closes ${closes}) could not be placed, so ${apps.length === 1 ? "it" : "they"} will not leave the site before it closes; see unplaced`
          : `${who} on ${site} (closes ${closes}) ${apps.length === 1 ? "is" : "are"} placed in wave ${waveOfSlot.get(slot)} on ${date}, after the site closes: no wave on or before ${closes} could take ${apps.length === 1 ? "it" : "them"}`;
      out.push({ code: "site-deadline", message, applications: apps });
    }
  }
  return out;
}

/**
 * Plan migration waves from a validated project: pure and deterministic, so the same inputs
 * give a byte-identical plan. Every rule of docs/formats.md, "Planning rules", holds for the
 * result; what cannot be placed without breaking one is listed in `unplaced` with the reason.
 *
 * @example
 * const project = await loadProject("."); assertValid(project);
 * const plan = planWaves(project, { stack: "prod" });
 */
export function planWaves(inputs: PlanInputs, options: PlanOptions = {}): Plan {
  const { estate } = inputs;
  const signal = options.signal;
  const stackName = chooseTargetStack(inputs, options.stack);
  const target = stackName === undefined ? undefined : inputs.stacks.get(stackName)?.target;

  const facts = collectFacts(estate);
  signal?.throwIfAborted();
  const grouping = buildGroups(facts);
  signal?.throwIfAborted();
  const { groups } = grouping;
  const warnings: PlanWarning[] = cycleWarnings(grouping.cycles, facts);

  const calendar = estate.calendar;
  let timezone = calendar?.window.timezone ?? "UTC";
  if (calendar && !isKnownTimeZone(timezone)) {
    warnings.push({ code: "unknown-timezone", message: `time zone ${timezone} is unknown to this system; maintenance windows are given in UTC` });
    timezone = "UTC";
  }
  const cut = calendar ? waveSlots(calendar) : undefined;
  const slots = cut?.slots ?? [];

  const blocked = missingRunbooks(groups, facts, inputs);
  if (!calendar) {
    for (const g of groups) if (!blocked.has(g.index)) blocked.set(g.index, "the estate has no calendar, so there are no wave slots: add `calendar:` to a file in estate/");
    if (facts.length > 0) warnings.push({ code: "no-calendar", message: "the estate has no calendar; every planned application is unplaced until one is added" });
  }
  const placement = placeGroups(groups, facts, { slots, capacity: calendar?.capacity ?? {}, blocked, edges: grouping.edges, links: grouping.links });
  signal?.throwIfAborted();

  // Waves are numbered over the slots actually used.
  const used = [...new Set(placement.slotOf)].filter((s) => s >= 0).sort((a, b) => a - b);
  const waveOfSlot = new Map(used.map((s, i) => [s, i + 1]));
  const datasetsOf = new Map<string, Dataset[]>();
  for (const d of estate.datasets) {
    const list = datasetsOf.get(d.application);
    if (list) list.push(d);
    else datasetsOf.set(d.application, [d]);
  }

  const byWave = new Map<number, AppFacts[]>();
  const unplaced: Plan["unplaced"] = [];
  const waveOfApp = new Map<string, { number: number; date: string }>();
  for (const f of facts) {
    const g = groups[grouping.groupOf[f.index]!]!;
    const slot = placement.slotOf[g.index]!;
    if (slot < 0) {
      unplaced.push({ application: f.app.id, reason: memberReason(g, facts, placement.reasons.get(g.index)!, f.index), group: g.id });
      continue;
    }
    const number = waveOfSlot.get(slot)!;
    waveOfApp.set(f.app.id, { number, date: slots[slot]!.date });
    let list = byWave.get(slot);
    if (!list) byWave.set(slot, (list = []));
    list.push(f);
  }

  const waves: Wave[] = used.map((slot) => {
    const date = slots[slot]!.date;
    const members = byWave.get(slot)!;
    const sites: Record<string, number> = {};
    let effort = 0;
    let users = 0;
    for (const f of members) {
      effort += f.app.effort;
      users += f.app.users;
      if (f.site !== null) sites[f.site] = (sites[f.site] ?? 0) + 1;
    }
    const highest = CRITICALITY_ORDER.find((c) => members.some((f) => f.app.criticality === c)) ?? "low";
    return {
      number: waveOfSlot.get(slot)!,
      date,
      window: waveWindow(date, { start: calendar!.window.start, end: calendar!.window.end, timezone }),
      applications: members.map((f) => plannedApplication(f, groups[grouping.groupOf[f.index]!]!)),
      load: { applications: members.length, effort, users, sites: Object.fromEntries(Object.entries(sites).sort(([a], [b]) => (a < b ? -1 : 1))) },
      datasets: members.flatMap((f) => (datasetsOf.get(f.app.id) ?? []).map(plannedDataset)).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
      highestCriticality: highest,
    };
  });

  warnings.push(...deadlineWarnings(groups, facts, placement.slotOf, slots, waveOfSlot));
  warnings.push(...retentionWarnings(estate.datasets, waveOfApp));
  warnings.push(...reipWarnings(estate, facts, target));
  warnings.sort(byWarning);

  const usedRunbooks = new Set(waves.flatMap((w) => w.applications.map((a) => a.runbook)));
  const digests = digestInputs(inputs, usedRunbooks);
  const capacity = Object.fromEntries(Object.entries(calendar?.capacity ?? {}).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) as Record<string, number>;

  const body = {
    apiVersion: API_VERSION as typeof API_VERSION,
    kind: "Plan" as const,
    inputsDigest: digests.inputsDigest,
    estateDigest: digests.estate,
    stacks: digests.stacks,
    runbooks: digests.runbooks,
    targetStack: stackName ?? null,
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
  const plan: Plan = { ...body, hash: computePlanHash(body) };
  return plan;
}
