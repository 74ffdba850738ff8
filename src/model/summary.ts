import type { Project } from "./load.js";

/** What a project holds, for `ferry validate` and the start-up summary. */
export interface ProjectCounts {
  organisations: number;
  sites: number;
  networks: number;
  hosts: number;
  applications: number;
  datasets: number;
  runbooks: number;
  stacks: number;
  /** Applications by delivery (citrix, web…) and by disposition (rehost, retire…). */
  byDelivery: Record<string, number>;
  byDisposition: Record<string, number>;
  dependencies: { together: number; ordered: number; recorded: number };
}

/** How many of each value, keys in sorted order (counted first: sorting 100k values costs more than counting them). */
function tally<T>(items: readonly T[], value: (item: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const v = value(item);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const out: Record<string, number> = {};
  for (const v of [...counts.keys()].sort()) out[v] = counts.get(v)!;
  return out;
}

export function countProject(project: Pick<Project, "estate" | "runbooks" | "stacks">): ProjectCounts {
  const e = project.estate;
  const dependencies = { together: 0, ordered: 0, recorded: 0 };
  for (const a of e.applications) {
    for (const l of a.dependsOn) {
      if (l.together) dependencies.together++;
      else if (l.order !== "none") dependencies.ordered++;
      if (l.order === "none") dependencies.recorded++;
    }
  }
  return {
    organisations: e.organisations.length,
    sites: e.sites.length,
    networks: e.networks.length,
    hosts: e.hosts.length,
    applications: e.applications.length,
    datasets: e.datasets.length,
    runbooks: project.runbooks.size,
    stacks: project.stacks.size,
    byDelivery: tally(e.applications, (a) => a.delivery),
    byDisposition: tally(e.applications, (a) => a.disposition),
    dependencies,
  };
}
