import type { Estate } from "../model/estate.js";
import type { Plan, PlannedApplication, PlannedChange, PlannedDataset, PlanWarning, Wave } from "../model/plan.js";
import type { Runbook } from "../model/runbook.js";
import { rollbackSummary, type RollbackLine } from "./rollback.js";

/** What the pack renders from: the plan, and (optionally) the estate and runbooks it came from. */
export interface ReportInputs {
  plan: Plan;
  /** For dependencies between applications; without it the pack shows no dependency graphs. */
  estate?: Estate;
  /** For rollback summaries; each runbook's digest is compared with the plan's record. */
  runbooks?: ReadonlyMap<string, { runbook: Runbook; digest: string }>;
  /** Sentences saying which inputs changed since the plan was made (shown as a banner). */
  drift?: string[];
}

/** A dependency link as the pack shows it. */
export interface PackLink {
  from: string;
  to: string;
  kind: "order" | "together" | "none";
  /** The dependency is being retired, so it switches off after the dependent has moved. */
  retiring?: boolean;
  /** The wave of the other end: a number, "unplaced" or "not planned". */
  otherWave?: number | "unplaced" | "not planned";
}

/** A runbook's rollback plan, and whether the runbook still matches the plan. */
export interface PackRunbook {
  name: string;
  rollback: RollbackLine[] | undefined;
  /** False when the runbook file changed since the plan was made. */
  current: boolean | undefined;
}

export interface PackWave {
  number: number;
  date: string;
  window: { start: string; end: string };
  applications: PlannedApplication[];
  load: { applications: number; effort: number; users: number };
  datasets: PlannedDataset[];
  runbooks: PackRunbook[];
  /** Links between applications in this wave (drawn in the graph). */
  internal: PackLink[];
  /** Links with one end in this wave and the other elsewhere. */
  crossing: PackLink[];
  warnings: PlanWarning[];
  /** Re-IP changes run in this wave, before the applications that need them. */
  changes: PlannedChange[];
  /** Set when the wave is kept from an earlier plan (approved or run). */
  kept?: Wave["kept"];
}

export interface PackModel {
  hash: string;
  inputsDigest: string;
  targetStack: string | null;
  calendar: Plan["calendar"];
  counts: { waves: number; planned: number; unplaced: number; warnings: number };
  warningsByCode: [string, number][];
  waves: PackWave[];
  unplaced: Plan["unplaced"];
  warnings: PlanWarning[];
  drift: string[];
  hasDependencies: boolean;
  /** The earlier plan this one keeps waves of, and what moved since it. */
  keep?: Plan["keep"];
  moved: NonNullable<Plan["moved"]>;
}

function tagged(d: string): string {
  return d.startsWith("sha256:") ? d : `sha256:${d}`;
}

/** Gather, per wave, everything the pack shows; shared by the HTML, Markdown and CSV renderers. */
export function buildPackModel(inputs: ReportInputs): PackModel {
  const { plan, estate, runbooks } = inputs;
  const waveOf = new Map<string, number | "unplaced">();
  for (const w of plan.waves) for (const a of w.applications) waveOf.set(a.id, w.number);
  for (const u of plan.unplaced) waveOf.set(u.application, "unplaced");

  const linksByApp = new Map<string, PackLink[]>();
  const addLink = (app: string, link: PackLink) => {
    let list = linksByApp.get(app);
    if (!list) linksByApp.set(app, (list = []));
    list.push(link);
  };
  const retiring = new Set((estate?.applications ?? []).filter((a) => a.disposition === "retire").map((a) => a.id));
  for (const a of estate?.applications ?? []) {
    for (const d of a.dependsOn) {
      const kind = d.together ? "together" : d.order === "none" ? "none" : "order";
      const link: PackLink = { from: a.id, to: d.app, kind, ...(kind === "order" && retiring.has(d.app) ? { retiring: true } : {}) };
      addLink(a.id, link);
      if (d.app !== a.id) addLink(d.app, link);
    }
  }

  const warningsOf = new Map<string, PlanWarning[]>();
  for (const w of plan.warnings) for (const id of new Set(w.applications ?? [])) warningsOf.set(id, [...(warningsOf.get(id) ?? []), w]);

  const waves: PackWave[] = plan.waves.map((w) => {
    const here = new Set(w.applications.map((a) => a.id));
    const internal: PackLink[] = [];
    const crossing: PackLink[] = [];
    const seen = new Set<PackLink>();
    for (const a of w.applications) {
      for (const link of linksByApp.get(a.id) ?? []) {
        if (seen.has(link)) continue;
        seen.add(link);
        const other = link.from === a.id ? link.to : link.from;
        if (here.has(other)) internal.push(link);
        else crossing.push({ ...link, otherWave: waveOf.get(other) ?? "not planned" });
      }
    }
    const names = [...new Set(w.applications.map((a) => a.runbook))].sort();
    const packRunbooks = names.map((name): PackRunbook => {
      const r = runbooks?.get(name);
      const recorded = plan.runbooks?.[name];
      return { name, rollback: r ? rollbackSummary(r.runbook) : undefined, current: r && recorded ? tagged(r.digest) === recorded : undefined };
    });
    const warningSet = new Set<PlanWarning>();
    for (const a of w.applications) for (const x of warningsOf.get(a.id) ?? []) warningSet.add(x);
    return {
      number: w.number,
      date: w.date,
      window: w.window,
      applications: w.applications,
      load: w.load,
      datasets: w.datasets ?? [],
      runbooks: packRunbooks,
      internal,
      crossing,
      warnings: plan.warnings.filter((x) => warningSet.has(x)),
      changes: w.changes ?? [],
      ...(w.kept ? { kept: w.kept } : {}),
    };
  });

  const byCode = new Map<string, number>();
  for (const w of plan.warnings) byCode.set(w.code, (byCode.get(w.code) ?? 0) + 1);
  return {
    hash: plan.hash,
    inputsDigest: plan.inputsDigest,
    targetStack: plan.targetStack ?? null,
    calendar: plan.calendar ?? null,
    counts: { waves: plan.waves.length, planned: plan.waves.reduce((n, w) => n + w.applications.length, 0), unplaced: plan.unplaced.length, warnings: plan.warnings.length },
    warningsByCode: [...byCode].sort(([a], [b]) => (a < b ? -1 : 1)),
    waves,
    unplaced: plan.unplaced,
    warnings: plan.warnings,
    drift: inputs.drift ?? [],
    hasDependencies: estate !== undefined,
    ...(plan.keep ? { keep: plan.keep } : {}),
    moved: plan.moved ?? [],
  };
}
