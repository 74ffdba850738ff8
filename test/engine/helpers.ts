import pino from "pino";
import type { Action, ActionContext, ActionOutput, ActionRegistry } from "../../src/actions/types.js";
import { createLocalAction } from "../../src/actions/local.js";
import { createWaitAction } from "../../src/actions/wait.js";
import { createHttpAction } from "../../src/actions/http.js";
import { createTcpAction } from "../../src/actions/tcp.js";
import { createApprovalAction } from "../../src/actions/approval.js";
import type { Application, Estate } from "../../src/model/estate.js";
import { Runbook } from "../../src/model/runbook.js";
import type { RunEvent } from "../../src/model/run-event.js";
import { MemoryJournal } from "../harness/memory-journal.js";
import { prepareApplication } from "../../src/engine/prepare.js";
import type { PreparedApp } from "../../src/engine/prepare.js";
import { startRun } from "../../src/engine/run.js";
import type { EngineOptions, RunOutcome } from "../../src/engine/run.js";
import { PrepareError } from "../../src/engine/prepare.js";

/** A runbook from a plain object, through the real schema (defaults applied). */
export function runbook(name: string, body: Record<string, unknown>): Runbook {
  return Runbook.parse({ apiVersion: "ferry/v1", kind: "Runbook", name, ...body });
}

/** A small estate: two sites, three hosts, and the given applications. */
export function estate(apps: Partial<Application>[]): Estate {
  return {
    organisations: [],
    sites: [
      { id: "guildhall", name: "The Guildhall", kind: "office" },
      { id: "abbey-centre", name: "Abbey Centre", kind: "office" },
    ],
    networks: [],
    hosts: [
      { id: "nbc-app01", site: "guildhall", address: "127.0.0.1", os: "linux" },
      { id: "nbc-app02", site: "guildhall", address: "127.0.0.2", os: "linux" },
      { id: "ddc-app01", site: "abbey-centre", address: "127.0.0.3", os: "linux" },
    ],
    applications: apps.map((a, i) => ({
      id: a.id ?? `app${i}`,
      name: a.name ?? `App ${i}`,
      owner: "IT",
      criticality: "low",
      users: 0,
      delivery: "server",
      disposition: "rehost",
      hosts: ["nbc-app01"],
      effort: 1,
      dependsOn: [],
      blackouts: [],
      ...a,
    })) as Application[],
    datasets: [],
  };
}

/** Prepare every application of the estate with one runbook; throws PrepareError on problems. */
export function prepareAll(est: Estate, rb: Runbook, env: Record<string, string | undefined> = {}): PreparedApp[] {
  const out: PreparedApp[] = [];
  const problems = [];
  for (const app of est.applications) {
    const r = prepareApplication(app, rb.name, rb, est, env);
    problems.push(...r.problems);
    if (r.prepared) out.push(r.prepared);
  }
  if (problems.length) throw new PrepareError(problems);
  return out;
}

export const silentLog = pino({ level: "silent" });

/** The real non-SSH actions. */
export function realActions(): ActionRegistry {
  return {
    local: createLocalAction({ killGraceMs: 200 }),
    wait: createWaitAction(),
    http: createHttpAction(),
    tcp: createTcpAction(),
    approval: createApprovalAction(),
  };
}

/** A `local` action whose behaviour is a function of the rendered command. */
export function scriptedLocal(fn: (run: string, ctx: ActionContext) => Promise<ActionOutput> | ActionOutput): Action<"local"> {
  return { kind: "local", run: async (ctx, spec) => fn(spec.run, ctx) };
}

export interface TestRun extends RunOutcome {
  journal: MemoryJournal<RunEvent>;
  events: RunEvent[];
}

/** Start a run over an in-memory journal. */
export async function runWith(apps: PreparedApp[], est: Estate, actions: ActionRegistry, opts: Partial<EngineOptions> = {}): Promise<TestRun> {
  const journal = (opts.journal as MemoryJournal<RunEvent> | undefined) ?? new MemoryJournal<RunEvent>();
  // Virtual time: sleeping advances the clock at once, so retry and verify timing is exact and fast.
  let t = 0;
  const out = await startRun(
    { journal, actions, estate: est, cwd: process.cwd(), log: silentLog, sleep: async (ms) => void (t += ms), clock: () => t, ...opts },
    { operator: "tester", apps, runbooks: Object.fromEntries(apps.map((a) => [a.runbookName, "0".repeat(64)])) },
  );
  return { ...out, journal, events: journal.events() };
}

/** `type app step` lines of the events, for compact order assertions. */
export function trace(events: RunEvent[], types?: string[]): string[] {
  return events
    .filter((e) => !types || types.includes(e.type))
    .map((e) => [e.type, "app" in e ? e.app : "", "step" in e ? e.step : "verify" in e ? e.verify : ""].filter(Boolean).join(" "));
}
