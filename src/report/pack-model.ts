import type { Application, Estate } from "../model/estate.js";
import type { Plan, PlannedApplication, PlannedChange, PlannedDataset, PlanWarning, Wave } from "../model/plan.js";
import type { Runbook } from "../model/runbook.js";
import { rollbackSummary, type RollbackLine } from "./rollback.js";
import { rateApplication, rateApplicationPoints, rateWave, type Risk, type RiskFacts, type RiskLevel } from "./risk.js";
import { runbookInWords, type RunbookInWords } from "./runbook-words.js";
import { packTimings, type PackTiming } from "./timing.js";
import { estateIndex } from "./estate-index.js";
import { valueScope } from "./values.js";
import { warningKind, windowInWords } from "./words.js";

/**
 * Above this many planned applications the pack summarises each wave (counts, flows, the
 * riskiest applications, warnings by kind, sign-off) and leaves the per-application detail to
 * `waves.csv` and to `ferry report --wave N`: a board cannot read thousands of rows a wave,
 * and rendering them costs minutes and gigabytes at 100k (docs/pack.md).
 */
export const DETAIL_LIMIT = 2000;

/** How many of a wave's riskiest applications a summarised wave names. */
export const SUMMARY_TOP = 10;

/** One approval on file for a wave, as the approval loader reads it. */
export interface PackApproval {
  /** The file, relative to the project. */
  file: string;
  organisation?: string;
  approvedBy: string;
  changeRef: string;
  approvedAt: string;
  /** The signing key's fingerprint, when the approval is signed. */
  key?: string;
}

/** What the pack renders from: the plan, and (optionally) the estate and runbooks it came from. */
export interface ReportInputs {
  plan: Plan;
  /** For dependencies, site names and values; without it the pack shows the plan's ids. */
  estate?: Estate;
  /** For go/no-go criteria and rollback plans; each runbook's digest is compared with the plan's record. */
  runbooks?: ReadonlyMap<string, { runbook: Runbook; digest: string }>;
  /** Sentences saying which inputs changed since the plan was made (shown as a banner). */
  drift?: string[];
  /** Approvals on file by wave number; undefined when they were not read. */
  approvals?: ReadonlyMap<number, readonly PackApproval[]>;
  /**
   * `detail`: every application in words; `summary`: each wave summarised (large plans);
   * default: `summary` above {@link DETAIL_LIMIT} planned applications.
   */
  mode?: "detail" | "summary";
  /** Only these waves (`ferry report --wave N`); default every wave. */
  only?: readonly number[];
  /** Why the estate was not read, shown in the pack (e.g. the plan's size). */
  note?: string;
}

/** A dependency link as the pack shows it. */
export interface PackLink {
  from: string;
  to: string;
  kind: "order" | "together" | "none";
  /** The dependency is being retired, so it switches off after the dependent has moved. */
  retiring?: boolean;
  /** The wave of the other end: a number, unplaced, retained (not moving) or not in the plan. */
  otherWave?: number | "unplaced" | "retained" | "not planned";
}

/** A runbook's rollback plan (in template form), and whether the runbook still matches the plan. */
export interface PackRunbook {
  name: string;
  description?: string;
  rollback: RollbackLine[] | undefined;
  /** False when the runbook file changed since the plan was made. */
  current: boolean | undefined;
  /** How many of the wave's applications it moves. */
  applications: number;
}

/**
 * What `waves.csv` lists of an application and a summarised wave counts: the estate's facts and
 * the risk rating's level and points. Every application of a wave has one.
 */
export interface PackRow {
  id: string;
  name: string;
  owner?: string;
  criticality?: string;
  users?: number;
  effort?: number;
  disposition?: string;
  risk: Pick<Risk, "level" | "points">;
}

/** One application of a wave, in a board's words (built only for the applications a pack shows). */
export interface PackApp extends PackRow {
  organisation?: string;
  runbook: string;
  /** What the runbook does, from its description. */
  how?: string;
  /** Where it runs now: site name, and its servers when known. */
  from: string;
  /** Where it goes: site name (and servers), "retired" or "—". */
  to: string;
  /** Expected outage in minutes: the runbook's time limits, capped at the window. */
  outageMinutes?: number;
  /** The other applications of its placement group and why they move together. */
  together?: { with: { id: string; name: string }[]; why: string };
  words?: RunbookInWords;
  crossing: PackLink[];
  warnings: PlanWarning[];
  datasets: PlannedDataset[];
  /** Re-IP changes that run before it (ids). */
  reip: string[];
  risk: Risk;
  deferredBy?: PlannedApplication["deferredBy"];
}

/** What every wave of the pack has, whichever way it is shown. */
interface PackWaveBase {
  number: number;
  date: string;
  window: { start: string; end: string };
  /** The window in the council's words and zone. */
  when: string;
  windowMinutes: number;
  applications: PlannedApplication[];
  /** Every application of the wave, in the plan's order, as waves.csv lists it. */
  rows: readonly PackRow[];
  load: { applications: number; effort: number; users: number };
  datasets: PlannedDataset[];
  runbooks: PackRunbook[];
  warnings: PlanWarning[];
  /** Re-IP changes run in this wave, before the applications that need them. */
  changes: PlannedChange[];
  /** Set when the wave is kept from an earlier plan (approved or run). */
  kept?: Wave["kept"];
  risk: { level: RiskLevel; counts: Record<RiskLevel, number> };
  /** Whose approval the wave needs (organisation names; empty when not known) and what is on file. */
  signoff: { organisations: string[]; approvals: readonly PackApproval[] | undefined };
  /** Expected duration against the window, the schedule and the data behind each estimate. */
  timing?: PackTiming;
}

/** A wave shown application by application, with its dependency links. */
export interface PackDetailWave extends PackWaveBase {
  mode: "detail";
  /** Every application in words, in the plan's order (the same objects as `rows`). */
  apps: PackApp[];
  /** Links between applications in this wave (drawn in the graph). */
  internal: PackLink[];
  /** Links with one end in this wave and the other elsewhere. */
  crossing: PackLink[];
}

/** A wave of a large plan, summarised: counts, flows and only its riskiest applications in words. */
export interface PackSummaryWave extends PackWaveBase {
  mode: "summary";
  /** The {@link SUMMARY_TOP} riskiest applications in words, riskiest first (then by id). */
  top: PackApp[];
  /** Applications per site move (from → to), most first. */
  flows: { from: string; to: string; applications: number }[];
  /** Applications per criticality. */
  criticality: Record<string, number>;
}

export type PackWave = PackDetailWave | PackSummaryWave;

/** One kind of warning, for the board's decisions. */
export interface PackDecision {
  code: string;
  title: string;
  decide: string;
  items: { message: string; applications: { id: string; name: string }[]; waves: (number | "unplaced")[] }[];
}

export interface PackModel {
  hash: string;
  inputsDigest: string;
  targetStack: string | null;
  calendar: Plan["calendar"];
  timezone: string;
  mode: "detail" | "summary";
  note?: string;
  counts: { waves: number; planned: number; unplaced: number; warnings: number };
  warningsByCode: [string, number][];
  decisions: PackDecision[];
  waves: PackWave[];
  unplaced: Plan["unplaced"];
  warnings: PlanWarning[];
  drift: string[];
  hasDependencies: boolean;
  hasRunbooks: boolean;
  /** The runbooks the waves use, with what each does. */
  runbooks: { name: string; description?: string }[];
  /** The sites the waves name: short name as used in the pack, full name. */
  sites: { short: string; name: string }[];
  approvalsRead: boolean;
  /** The earlier plan this one keeps waves of, and what moved since it. */
  keep?: Plan["keep"];
  moved: NonNullable<Plan["moved"]>;
}

function tagged(d: string): string {
  return d.startsWith("sha256:") ? d : `sha256:${d}`;
}

/** A name up to its first comma or bracket: `The Guildhall, St Giles Square` → `The Guildhall`. */
/** Each application's warnings, in the plan's order (a warning naming it twice counts once). */
export function warningsByApplication(warnings: readonly PlanWarning[]): Map<string, PlanWarning[]> {
  const byApp = new Map<string, PlanWarning[]>();
  for (const w of warnings) {
    for (const id of new Set(w.applications ?? [])) {
      let list = byApp.get(id);
      if (!list) byApp.set(id, (list = []));
      list.push(w);
    }
  }
  return byApp;
}

export function shortName(name: string): string {
  const cut = name.search(/,| \(/);
  return cut > 0 ? name.slice(0, cut) : name;
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function minutesBetween(a: string, b: string): number {
  const ms = Date.parse(b) - Date.parse(a);
  return Number.isFinite(ms) && ms > 0 ? ms / 60_000 : 0;
}

/** Riskiest first, then by id: the order a summarised wave lists its applications in. */
function byRisk(x: PackRow, y: PackRow): number {
  return y.risk.points - x.risk.points || (x.id < y.id ? -1 : 1);
}

/** The indexes of the `k` riskiest rows, riskiest first: sorting every row and taking the first `k`, without the sort. */
export function riskiest(rows: readonly PackRow[], k: number): number[] {
  const best: number[] = [];
  if (k <= 0) return best;
  for (let i = 0; i < rows.length; i++) {
    if (best.length === k && byRisk(rows[i]!, rows[best[k - 1]!]!) >= 0) continue;
    let at = best.length;
    while (at > 0 && byRisk(rows[i]!, rows[best[at - 1]!]!) < 0) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Gather, per wave, everything the pack shows; shared by the HTML and Markdown renderers. */
export function buildPackModel(inputs: ReportInputs): PackModel {
  const { plan, estate, runbooks } = inputs;
  const planned = plan.waves.reduce((n, w) => n + w.applications.length, 0);
  const mode = inputs.mode ?? (planned > DETAIL_LIMIT ? "summary" : "detail");
  const timezone = plan.calendar?.window.timezone ?? "UTC";
  // Each application's wave number, or unplaced (filled with the positions below).
  const waveOf = new Map<string, number | "unplaced">();

  const { appById, hostById } = estateIndex(estate);
  // A site's name up to its first comma or bracket ("The Guildhall"); the legend lists full names.
  const siteName = new Map((estate?.sites ?? []).map((s) => [s.id, shortName(s.name)]));
  const orgName = new Map((estate?.organisations ?? []).map((o) => [o.id, o.name]));
  const nameOf = (id: string) => appById.get(id)?.name ?? id;
  const site = (id: string | null | undefined) => (id ? (siteName.get(id) ?? id) : undefined);
  // Whether an application is being switched off: the estate's disposition, or without the
  // estate, the runbook the plan chose for it.
  const retiring = (a: PlannedApplication, e: Application | undefined) => {
    const disposition = e?.disposition;
    return disposition !== undefined ? disposition === "retire" : a.runbook === "retire";
  };

  const retired = new Set((estate?.applications ?? []).filter((a) => a.disposition === "retire").map((a) => a.id));
  /** Every dependency once, filed under both its ends (a self-dependency once); with `ids`, under those ends only. */
  const linksByAppOf = (ids?: ReadonlySet<string>): Map<string, PackLink[]> => {
    const byApp = new Map<string, PackLink[]>();
    const add = (app: string, link: PackLink) => {
      if (ids && !ids.has(app)) return;
      let list = byApp.get(app);
      if (!list) byApp.set(app, (list = []));
      list.push(link);
    };
    for (const a of estate?.applications ?? []) {
      for (const d of a.dependsOn) {
        if (ids && !ids.has(a.id) && !ids.has(d.app)) continue;
        const kind = d.together ? "together" : d.order === "none" ? "none" : "order";
        const link: PackLink = { from: a.id, to: d.app, kind };
        if (kind === "order" && retired.has(d.app)) link.retiring = true;
        add(a.id, link);
        if (d.app !== a.id) add(d.app, link);
      }
    }
    return byApp;
  };

  // Each planned application's position (waves in order, then the plan's order) and the index of
  // its wave. A plan names each id once; if one is named twice, positions are not used.
  const positionOf = new Map<string, number>();
  const waveAt: number[] = [];
  const startOf = new Map<Wave, number>();
  const indexOf = new Map<Wave, number>();
  let unique = true;
  plan.waves.forEach((w, k) => {
    startOf.set(w, waveAt.length);
    indexOf.set(w, k);
    for (const a of w.applications) {
      if (positionOf.has(a.id)) unique = false;
      positionOf.set(a.id, waveAt.length);
      waveAt.push(k);
      waveOf.set(a.id, w.number);
    }
  });
  for (const u of plan.unplaced) {
    if (positionOf.has(u.application)) unique = false;
    waveOf.set(u.application, "unplaced");
  }
  /**
   * Per planned position, how many of its ordered or together dependencies (either way) have
   * their other end in another wave, unplaced or not planned: what the risk rating counts, for
   * every application in one pass over the dependencies instead of filing 300k links at 100k.
   */
  const crossCounts = (): Int32Array => {
    const counts = new Int32Array(waveAt.length);
    for (const a of estate?.applications ?? []) {
      const pa = positionOf.get(a.id);
      for (const d of a.dependsOn) {
        if (d.app === a.id || (!d.together && d.order === "none")) continue;
        const pd = positionOf.get(d.app);
        if (pa !== undefined && (pd === undefined || waveAt[pd] !== waveAt[pa])) counts[pa]!++;
        if (pd !== undefined && (pa === undefined || waveAt[pa] !== waveAt[pd])) counts[pd]!++;
      }
    }
    return counts;
  };
  const counts = mode === "summary" && unique ? crossCounts() : undefined;
  /** Each wave's warnings (those naming one of its applications), in the plan's order, by wave index: one pass over the warnings. */
  const warningsByWave = (): PlanWarning[][] => {
    const byWave = plan.waves.map((): PlanWarning[] => []);
    for (const x of plan.warnings) {
      const touched = new Set<number>();
      for (const id of x.applications ?? []) {
        const p = positionOf.get(id);
        if (p !== undefined) touched.add(waveAt[p]!);
      }
      for (const k of touched) byWave[k]!.push(x);
    }
    return byWave;
  };
  const waveWarnings = unique ? warningsByWave() : undefined;
  // Shown in detail (or the plan names an id twice): every link now. Summarised: only the
  // riskiest applications' links, gathered once every wave's riskiest are known (below).
  let linksByApp = counts ? new Map<string, PackLink[]>() : linksByAppOf();
  const topIds = new Set<string>();
  const buildTops: (() => void)[] = [];
  const whereIs = (id: string): NonNullable<PackLink["otherWave"]> => waveOf.get(id) ?? (appById.get(id)?.disposition === "retain" ? "retained" : "not planned");

  const warningsOf = warningsByApplication(plan.warnings);
  // Each application's dependency-cycle warning, if any (looked up per application below).
  const cycleOf = new Map<string, PlanWarning>();
  for (const w of plan.warnings) if (w.code === "dependency-cycle") for (const id of w.applications ?? []) if (!cycleOf.has(id)) cycleOf.set(id, w);

  // Per runbook, once: whether it has a point of no return and its time limits (values do not change them).
  const runbookFacts = new Map<string, RunbookInWords | undefined>();
  const factsOf = (name: string) => {
    if (!runbookFacts.has(name)) {
      const r = runbooks?.get(name)?.runbook;
      runbookFacts.set(name, r ? runbookInWords(r, { values: {} }) : undefined);
    }
    return runbookFacts.get(name);
  };
  // Per runbook, once: the names of its host inputs (an application's params name its target servers there).
  const hostInputs = new Map<string, string[]>();
  const hostInputsOf = (name: string, r: Runbook) => {
    let list = hostInputs.get(name);
    if (!list) hostInputs.set(name, (list = Object.entries(r.inputs).filter(([, i]) => i.type === "host").map(([n]) => n)));
    return list;
  };
  const withHosts = (name: string | undefined, hosts: string[]) => (name ? `${name}${hosts.length ? ` (${hosts.join(", ")})` : ""}` : "—");

  const timingOfWave = packTimings(plan, estate, runbooks);
  const only = inputs.only ? new Set(inputs.only) : undefined;
  const waves: PackWave[] = plan.waves
    .filter((w) => !only || only.has(w.number))
    .map((w): PackWave => {
      // Whether an id is one of this wave's: by position when the plan names each id once (no
      // set of the wave's ids to build), else by that set.
      const k = indexOf.get(w)!;
      let ids: Set<string> | undefined;
      const inWave = (id: string): boolean => {
        if (unique) {
          const p = positionOf.get(id);
          return p !== undefined && waveAt[p] === k;
        }
        return (ids ??= new Set(w.applications.map((a) => a.id))).has(id);
      };
      const reipOf = new Map<string, string[]>();
      for (const c of w.changes ?? []) for (const id of c.before) push(reipOf, id, c.id);
      // Re-IP changes of earlier waves count too: the application waits for them.
      for (const e of plan.waves) if (e.number < w.number) for (const c of e.changes ?? []) for (const id of c.before) if (inWave(id)) push(reipOf, id, c.id);
      const datasetsOf = new Map<string, PlannedDataset[]>();
      for (const d of w.datasets ?? []) push(datasetsOf, d.application, d);
      const groups = new Map<string, string[]>();
      for (const a of w.applications) if (a.group !== undefined) push(groups, a.group, a.id);
      const groupSets = new Map<string, Set<string>>();
      const groupSet = (group: string) => {
        let set = groupSets.get(group);
        if (!set) groupSets.set(group, (set = new Set(groups.get(group))));
        return set;
      };
      const windowMinutes = minutesBetween(w.window.start, w.window.end);

      // An application's links whose other end is not in this wave, each with where that end is.
      const crossingOf = (id: string): PackLink[] => {
        const out: PackLink[] = [];
        for (const link of linksByApp.get(id) ?? []) {
          const other = link.from === id ? link.to : link.from;
          if (!inWave(other)) out.push({ ...link, otherWave: whereIs(other) });
        }
        return out;
      };
      // How many of those the risk rating counts (ordered or together), without building them.
      const crossWaveOf = (id: string): number => {
        let n = 0;
        for (const link of linksByApp.get(id) ?? []) if (link.kind !== "none" && !inWave(link.from === id ? link.to : link.from)) n++;
        return n;
      };
      const riskFacts = (a: PlannedApplication, e: Application | undefined, crossWave: number): RiskFacts => {
        const facts = factsOf(a.runbook);
        const warnings = warningsOf.get(a.id) ?? [];
        let dataDecisions = 0;
        for (const d of datasetsOf.get(a.id) ?? []) if (d.decision !== "migrate") dataDecisions++;
        for (const x of warnings) if (x.code === "retention-expired") dataDecisions++;
        return {
          criticality: e?.criticality,
          users: e?.users,
          runbookUnknown: facts === undefined,
          pointOfNoReturn: facts?.pointOfNoReturn !== undefined,
          crossWave,
          dependenciesUnknown: !estate,
          reip: (reipOf.get(a.id)?.length ?? 0) > 0,
          dataDecisions,
          warnings: warnings.length,
        };
      };

      /** One application in words, as the pack shows it. */
      const packApp = (a: PlannedApplication): PackApp => {
        const e = appById.get(a.id);
        const facts = factsOf(a.runbook);
        const loaded = runbooks?.get(a.runbook)?.runbook;
        const words = mode === "detail" && loaded && e ? runbookInWords(loaded, valueScope(loaded, e, { hosts: estate!.hosts, sites: estate!.sites }, hostById)) : undefined;
        const fromHosts = e?.hosts ?? [];
        const targetHosts = loaded && e ? hostInputsOf(a.runbook, loaded).map((n) => e.params?.[n]).filter((h): h is string => h !== undefined && hostById.get(h)?.site === a.target) : [];
        let together: PackApp["together"];
        const mates = a.group === undefined ? [] : (groups.get(a.group) ?? []).filter((id) => id !== a.id);
        if (mates.length) {
          const group = groupSet(a.group!);
          const linked = (linksByApp.get(a.id) ?? []).some((l) => {
            const other = l.from === a.id ? l.to : l.from;
            return l.kind === "together" && other !== a.id && group.has(other);
          });
          const why = cycleOf.has(a.id) ? "they depend on each other in a circle, so neither can go first" : linked ? "a latency-sensitive link: they must move in the same wave" : "linked through other applications that must move together";
          together = { with: mates.map((id) => ({ id, name: nameOf(id) })), why };
        }
        const crossing = crossingOf(a.id);
        const warnings = warningsOf.get(a.id) ?? [];
        const datasets = datasetsOf.get(a.id) ?? [];
        const reip = reipOf.get(a.id) ?? [];
        const risk = rateApplication(riskFacts(a, e, crossing.filter((l) => l.kind !== "none").length));
        return {
          id: a.id,
          name: e?.name ?? a.id,
          ...(e?.owner ? { owner: e.owner } : {}),
          ...(e?.organisation ? { organisation: orgName.get(e.organisation) ?? e.organisation } : {}),
          ...(e?.criticality ? { criticality: e.criticality } : {}),
          ...(e?.users !== undefined ? { users: e.users } : {}),
          ...(e?.effort !== undefined ? { effort: e.effort } : {}),
          runbook: a.runbook,
          ...(loaded?.description ? { how: loaded.description } : {}),
          ...(e?.disposition ? { disposition: e.disposition } : {}),
          from: withHosts(site(a.site), fromHosts),
          to: retiring(a, e) ? "retired (switched off)" : withHosts(site(a.target), targetHosts),
          ...(facts ? { outageMinutes: Math.min(facts.limitMinutes, windowMinutes || facts.limitMinutes) } : {}),
          ...(together ? { together } : {}),
          ...(words ? { words } : {}),
          crossing,
          warnings,
          datasets,
          reip,
          risk,
          ...(a.deferredBy ? { deferredBy: a.deferredBy } : {}),
        };
      };

      /** What waves.csv and the counts need of an application, without its words. */
      const packRow = (a: PlannedApplication, e: Application | undefined, crossWave: number): PackRow => {
        const row: PackRow = { id: a.id, name: e?.name ?? a.id, risk: rateApplicationPoints(riskFacts(a, e, crossWave)) };
        if (e?.owner) row.owner = e.owner;
        if (e?.criticality) row.criticality = e.criticality;
        if (e?.users !== undefined) row.users = e.users;
        if (e?.effort !== undefined) row.effort = e.effort;
        if (e?.disposition) row.disposition = e.disposition;
        return row;
      };

      // The wave's applications in the estate, looked up once (undefined where the estate was not read).
      const inEstate = w.applications.map((a) => appById.get(a.id));
      const runbookCounts = new Map<string, number>();
      for (const a of w.applications) runbookCounts.set(a.runbook, (runbookCounts.get(a.runbook) ?? 0) + 1);
      const packRunbooks = [...runbookCounts.keys()].sort().map((name): PackRunbook => {
        const r = runbooks?.get(name);
        const recorded = plan.runbooks?.[name];
        return {
          name,
          ...(r?.runbook.description ? { description: r.runbook.description } : {}),
          rollback: r ? rollbackSummary(r.runbook) : undefined,
          current: r && recorded ? tagged(r.digest) === recorded : undefined,
          applications: runbookCounts.get(name)!,
        };
      });
      const waveWarningsOf = () => {
        const named = new Set<PlanWarning>();
        for (const a of w.applications) for (const x of warningsOf.get(a.id) ?? []) named.add(x);
        return plan.warnings.filter((x) => named.has(x));
      };

      const orgs = new Set<string>();
      for (const x of inEstate) {
        const e = x as (Application & { approvalFrom?: string[] }) | undefined;
        for (const o of e?.approvalFrom ?? (e?.organisation ? [e.organisation] : [])) orgs.add(orgName.get(o) ?? o);
      }
      const timing = timingOfWave(w, inEstate);
      const base = {
        number: w.number,
        date: w.date,
        window: w.window,
        when: windowInWords(w.window, timezone),
        windowMinutes,
        applications: w.applications,
        load: w.load,
        datasets: w.datasets ?? [],
        runbooks: packRunbooks,
        warnings: waveWarnings ? waveWarnings[k]! : waveWarningsOf(),
        changes: w.changes ?? [],
        ...(w.kept ? { kept: w.kept } : {}),
        signoff: { organisations: [...orgs].sort(), approvals: inputs.approvals ? (inputs.approvals.get(w.number) ?? []) : undefined },
        ...(timing ? { timing } : {}),
      };

      if (mode === "detail") {
        const apps = w.applications.map(packApp);
        const crossing = apps.flatMap((a) => a.crossing);
        const internal: PackLink[] = [];
        const seen = new Set<PackLink>();
        for (const a of w.applications) {
          for (const link of linksByApp.get(a.id) ?? []) {
            if (seen.has(link) || !inWave(link.from === a.id ? link.to : link.from)) continue;
            seen.add(link);
            internal.push(link);
          }
        }
        return { ...base, mode, rows: apps, apps, internal, crossing, risk: rateWave(apps.map((a) => a.risk)) };
      }

      // Summarised: every application rated by points; only the riskiest few built in words.
      const start = startOf.get(w)!;
      const rows = w.applications.map((a, i) => packRow(a, inEstate[i], counts ? counts[start + i]! : crossWaveOf(a.id)));
      const riskiestHere = riskiest(rows, SUMMARY_TOP).map((i) => w.applications[i]!);
      for (const a of riskiestHere) topIds.add(a.id);
      const top: PackApp[] = [];
      buildTops.push(() => top.push(...riskiestHere.map(packApp)));
      const flows = new Map<string, { from: string; to: string; applications: number }>();
      const criticality: Record<string, number> = {};
      w.applications.forEach((a, i) => {
        const e = inEstate[i];
        const from = site(a.site) ?? "—";
        const to = retiring(a, e) ? "retired" : (site(a.target) ?? "—");
        const key = `${from}\u0000${to}`;
        const f = flows.get(key) ?? { from, to, applications: 0 };
        f.applications++;
        flows.set(key, f);
        const c = e?.criticality ?? "unknown";
        criticality[c] = (criticality[c] ?? 0) + 1;
      });
      return {
        ...base,
        mode,
        rows,
        top,
        risk: rateWave(rows.map((r) => r.risk)),
        flows: [...flows.values()].sort((a, b) => b.applications - a.applications || (a.from < b.from ? -1 : 1)),
        criticality,
      };
    });

  if (counts) linksByApp = linksByAppOf(topIds);
  for (const build of buildTops) build();

  const usedSites = new Set<string>();
  for (const w of waves) for (const a of w.applications) for (const x of [a.site, a.target]) if (x) usedSites.add(x);
  const byCode = new Map<string, number>();
  for (const w of plan.warnings) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
  const decisions = new Map<string, PackDecision>();
  for (const w of plan.warnings) {
    let d = decisions.get(w.code);
    if (!d) decisions.set(w.code, (d = { code: w.code, ...warningKind(w.code), items: [] }));
    const ids = [...new Set(w.applications ?? [])];
    const waveList = [...new Set(ids.map((id) => waveOf.get(id)).filter((x) => x !== undefined))].sort((a, b) => (a === "unplaced" ? 1 : b === "unplaced" ? -1 : a - b));
    d.items.push({ message: w.message, applications: ids.map((id) => ({ id, name: nameOf(id) })), waves: waveList });
  }
  const order = ["window-overrun", "reip-required", "site-deadline", "kept-wave-conflict", "retention-expired", "dependency-cycle"];
  const rank = (c: string) => (order.includes(c) ? order.indexOf(c) : order.length);
  return {
    hash: plan.hash,
    inputsDigest: plan.inputsDigest,
    targetStack: plan.targetStack ?? null,
    calendar: plan.calendar ?? null,
    timezone,
    mode,
    ...(inputs.note ? { note: inputs.note } : {}),
    counts: { waves: plan.waves.length, planned, unplaced: plan.unplaced.length, warnings: plan.warnings.length },
    warningsByCode: [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)),
    decisions: [...decisions.values()].sort((a, b) => rank(a.code) - rank(b.code) || (a.code < b.code ? -1 : 1)),
    waves,
    unplaced: plan.unplaced,
    warnings: plan.warnings,
    drift: inputs.drift ?? [],
    hasDependencies: estate !== undefined,
    hasRunbooks: runbooks !== undefined,
    runbooks: [...new Set(waves.flatMap((w) => w.runbooks.map((r) => r.name)))].sort().map((name) => ({ name, ...(runbooks?.get(name)?.runbook.description ? { description: runbooks.get(name)!.runbook.description! } : {}) })),
    sites: (estate?.sites ?? []).filter((x) => usedSites.has(x.id)).map((x) => ({ short: shortName(x.name), name: x.name })),
    approvalsRead: inputs.approvals !== undefined,
    ...(plan.keep ? { keep: plan.keep } : {}),
    moved: plan.moved ?? [],
  };
}

