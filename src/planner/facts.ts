import type { Application, Estate } from "../model/estate.js";
import { PLANNED_DISPOSITIONS } from "../model/estate.js";
import { addDays, BlackoutResolver, type ResolvedBlackout } from "./calendar.js";
import { chooseRunbook } from "./choose-runbook.js";
import { resolveRefs, type EstateRefs } from "../model/refs.js";

/**
 * The date an application must have moved by, and what sets it: a site of one of its hosts
 * that closes, the end of its platform's support (`supportEnds`) or of its contract
 * (`contractEnds`). The earliest wins.
 */
export interface Deadline {
  kind: "site" | "support" | "contract";
  /** The closing site (kind `site`); null otherwise. */
  site: string | null;
  closes: string;
}

const KIND_ORDER = { site: 0, support: 1, contract: 2 } as const;

function earlier(a: Deadline | null, b: Deadline): Deadline {
  if (!a) return b;
  if (b.closes !== a.closes) return b.closes < a.closes ? b : a;
  if (KIND_ORDER[b.kind] !== KIND_ORDER[a.kind]) return KIND_ORDER[b.kind] < KIND_ORDER[a.kind] ? b : a;
  return (b.site ?? "") < (a.site ?? "") ? b : a;
}

/** How a deadline reads in a warning: "on lodge-road (closes 2027-03-31)", "(support ends 2027-06-30)". */
export function describeDeadline(d: Deadline): string {
  if (d.kind === "site") return `on ${d.site} (closes ${d.closes})`;
  return `(${d.kind} ends ${d.closes})`;
}

/** What the planner needs to know about one planned application, computed once. */
export interface AppFacts {
  app: Application;
  /** Position in the id-sorted list of planned applications. */
  index: number;
  /** Position in `estate.applications`, which the estate's refs (model/refs.ts) are indexed by. */
  estateIndex: number;
  runbook: string;
  /** Source site: the site of the application's first host; null without hosts. */
  site: string | null;
  /** The earliest of its hosts' sites' exit dates, its `supportEnds` and its `contractEnds`. */
  deadline: Deadline | null;
  retiring: boolean;
  /** Its blackouts with event names resolved to date ranges. */
  blackouts: ResolvedBlackout[];
}

const planned = new Set<string>(PLANNED_DISPOSITIONS);

/** True for dispositions that put an application into a plan (everything but `retain`). */
export function isPlanned(app: Pick<Application, "disposition">): boolean {
  return planned.has(app.disposition);
}

/**
 * The planned applications, sorted by id, with their runbook, source site and site deadline.
 * Deadlines look at every host's site, not only the first: a host left on a closing site
 * still has to be moved before the site shuts.
 */
export function collectFacts(estate: Estate, resolver = blackoutResolver(estate), refs: EstateRefs = resolveRefs(estate)): AppFacts[] {
  const closes = new Map<string, string>();
  for (const s of estate.sites) if (s.closes) closes.set(s.id, s.closes);
  const positions: number[] = [];
  for (let i = 0; i < estate.applications.length; i++) if (isPlanned(estate.applications[i]!)) positions.push(i);
  // Estates are usually written in id order already: checking is linear, sorting 100k is not.
  const idOf = (p: number) => estate.applications[p]!.id;
  if (!isSortedBy(positions, idOf)) positions.sort((a, b) => (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0));
  return positions.map((estateIndex, index) => {
    const app = estate.applications[estateIndex]!;
    let site: string | null = null;
    let deadline: AppFacts["deadline"] = null;
    const first = refs.hostStart[estateIndex]!;
    for (let k = first; k < refs.hostStart[estateIndex + 1]!; k++) {
      const h = refs.appHost[k]!;
      if (h < 0) continue;
      const hostSite = estate.hosts[h]!.site;
      site ??= hostSite;
      const c = closes.get(hostSite);
      if (c) deadline = earlier(deadline, { kind: "site", site: hostSite, closes: c });
    }
    if (app.supportEnds) deadline = earlier(deadline, { kind: "support", site: null, closes: app.supportEnds });
    if (app.contractEnds) deadline = earlier(deadline, { kind: "contract", site: null, closes: app.contractEnds });
    // The first host decides the site, even when it is unknown to the estate (validation reports that).
    if (app.hosts.length > 0) site = refs.appHost[first]! >= 0 ? estate.hosts[refs.appHost[first]!]!.site : null;
    return { app, index, estateIndex, runbook: chooseRunbook(app), site, deadline, retiring: app.disposition === "retire", blackouts: resolver.resolve(app.blackouts) };
  });
}

function isSortedBy(positions: readonly number[], idOf: (p: number) => string): boolean {
  for (let i = 1; i < positions.length; i++) if (!(idOf(positions[i - 1]!) <= idOf(positions[i]!))) return false;
  return true;
}

/** The resolver of the estate's named events over its calendar's horizon. */
export function blackoutResolver(estate: Pick<Estate, "calendar">): BlackoutResolver {
  const c = estate.calendar;
  return new BlackoutResolver(c, c ? addDays(c.firstWave, (c.horizonWaves - 1) * c.cadenceDays) : "9999-12-31");
}
