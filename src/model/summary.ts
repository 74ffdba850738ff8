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

function tally(values: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of [...values].sort()) out[v] = (out[v] ?? 0) + 1;
  return out;
}

export function countProject(project: Project): ProjectCounts {
  const e = project.estate;
  const links = e.applications.flatMap((a) => a.dependsOn);
  return {
    organisations: e.organisations.length,
    sites: e.sites.length,
    networks: e.networks.length,
    hosts: e.hosts.length,
    applications: e.applications.length,
    datasets: e.datasets.length,
    runbooks: project.runbooks.size,
    stacks: project.stacks.size,
    byDelivery: tally(e.applications.map((a) => a.delivery)),
    byDisposition: tally(e.applications.map((a) => a.disposition)),
    dependencies: {
      together: links.filter((l) => l.together).length,
      ordered: links.filter((l) => !l.together && l.order !== "none").length,
      recorded: links.filter((l) => l.order === "none").length,
    },
  };
}
