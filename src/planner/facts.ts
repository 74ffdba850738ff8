import type { Application, Estate, Host } from "../model/estate.js";
import { PLANNED_DISPOSITIONS } from "../model/estate.js";
import { chooseRunbook } from "./choose-runbook.js";

/** What the planner needs to know about one planned application, computed once. */
export interface AppFacts {
  app: Application;
  /** Position in the id-sorted list of planned applications. */
  index: number;
  runbook: string;
  /** Source site: the site of the application's first host; null without hosts. */
  site: string | null;
  /** The earliest exit deadline among the sites of all its hosts, if any closes. */
  deadline: { site: string; closes: string } | null;
  retiring: boolean;
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
export function collectFacts(estate: Estate): AppFacts[] {
  const hosts = new Map<string, Host>(estate.hosts.map((h) => [h.id, h]));
  const closes = new Map<string, string>();
  for (const s of estate.sites) if (s.closes) closes.set(s.id, s.closes);
  const apps = estate.applications.filter(isPlanned);
  // Estates are usually written in id order already: checking is linear, sorting 100k is not.
  if (!isSortedById(apps)) apps.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return apps.map((app, index) => {
    let site: string | null = null;
    let deadline: AppFacts["deadline"] = null;
    for (const hostId of app.hosts) {
      const hostSite = hosts.get(hostId)?.site;
      if (hostSite === undefined) continue;
      site ??= hostSite;
      const c = closes.get(hostSite);
      if (c && (!deadline || c < deadline.closes || (c === deadline.closes && hostSite < deadline.site))) deadline = { site: hostSite, closes: c };
    }
    // The first host decides the site, even when it is unknown to the estate (validation reports that).
    if (app.hosts.length > 0) site = hosts.get(app.hosts[0]!)?.site ?? null;
    return { app, index, runbook: chooseRunbook(app), site, deadline, retiring: app.disposition === "retire" };
  });
}

function isSortedById(apps: readonly Application[]): boolean {
  for (let i = 1; i < apps.length; i++) if (!(apps[i - 1]!.id <= apps[i]!.id)) return false;
  return true;
}
