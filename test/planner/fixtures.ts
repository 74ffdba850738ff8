import type { Application, Calendar, Estate, Host, Site } from "../../src/model/estate.js";
import type { Runbook } from "../../src/model/runbook.js";
import type { PlanInputs } from "../../src/planner/inputs.js";

/** A minimal valid runbook with one step and one rollback, named `name`. */
export function runbook(name: string): Runbook {
  return {
    apiVersion: "ferry/v1",
    kind: "Runbook",
    name,
    inputs: {},
    precheck: [],
    steps: [
      { id: "stop-source", local: { run: `echo stop ${name}` }, idempotent: false, rollback: { local: { run: `echo start ${name}` } } },
      { id: "cutover", local: { run: "echo cutover" }, idempotent: true },
    ],
    verify: [],
  } as Runbook;
}

export const DEFAULT_RUNBOOKS = ["rehost-vm", "citrix-to-avd", "saas-cutover", "retire"];

/** An application with sensible defaults; override what the test is about. */
export function app(id: string, extra: Partial<Application> = {}): Application {
  return {
    id,
    name: `App ${id}`,
    owner: "Owner",
    criticality: "medium",
    users: 10,
    delivery: "server",
    disposition: "rehost",
    target: "azure-uksouth",
    hosts: [],
    effort: 1,
    dependsOn: [],
    blackouts: [],
    ...extra,
  };
}

export function calendar(extra: Partial<Calendar> = {}): Calendar {
  return {
    firstWave: "2027-01-12",
    cadenceDays: 14,
    window: { start: "19:00", end: "23:30", timezone: "Europe/London" },
    horizonWaves: 52,
    freezes: [],
    capacity: {},
    ...extra,
  };
}

export function site(id: string, extra: Partial<Site> = {}): Site {
  return { id, name: `Site ${id}`, kind: "office", ...extra };
}

export function host(id: string, siteId: string, address = "10.0.0.1"): Host {
  return { id, site: siteId, address, os: "linux" };
}

/** Planner inputs held in memory: no files, so the estate digest is its canonical JSON. */
export function inputs(estate: Partial<Estate>, opts: { runbooks?: string[]; digests?: Record<string, string> } = {}): PlanInputs {
  const full: Estate = { organisations: [], sites: [], networks: [], hosts: [], applications: [], datasets: [], ...estate };
  const names = opts.runbooks ?? DEFAULT_RUNBOOKS;
  return {
    estate: full,
    runbooks: new Map(names.map((n) => [n, { runbook: runbook(n), file: `runbooks/${n}.yaml`, digest: opts.digests?.[n] ?? "0".repeat(63) + String(n.length % 10) }])),
    stacks: new Map(),
    files: [],
  };
}
