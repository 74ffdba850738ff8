/**
 * Before anything runs, every application's runbook is resolved and every template checked:
 * inputs typed, lookups resolved, step-output references pointing at steps that finish first.
 * One bad template anywhere stops the whole run before its first change.
 */
import type { Application, Estate, Host } from "../model/estate.js";
import type { ActionKind, ActionOnly, Runbook, Step } from "../model/runbook.js";
import { actionOf } from "../model/runbook.js";
import { durationMs } from "../model/common.js";
import { FerryError } from "../model/codes.js";
import type { PlannedRunApp } from "../model/run-event.js";
import { resolveInputs, secretValuesFor } from "./inputs.js";
import { Redactor } from "./redact.js";
import { renderFor, TemplateError, type TemplateErrorCode } from "./render.js";

/** Retry policy with durations in milliseconds. */
export interface RetryPolicy {
  attempts: number;
  delayMs: number;
  backoff: number;
}

/** One action of a runbook, ready to render with step outputs at run time. */
export interface PreparedAction {
  kind: ActionKind;
  /** The spec as written; rendered again at run time when step outputs are known. */
  template: unknown;
  /** The steps whose outputs it may read. */
  visibleSteps: ReadonlySet<string>;
  timeoutMs?: number;
  retry: RetryPolicy;
}

export interface PreparedStep {
  id: string;
  action: PreparedAction;
  idempotent: boolean;
  check?: PreparedAction;
  rollback?: PreparedAction;
  /** Steps that must succeed first (the previous step when the runbook has no `needs`). */
  needs: string[];
}

export interface PreparedVerify {
  id: string;
  action: PreparedAction;
  consecutive: number;
  intervalMs: number;
  withinMs: number;
}

export interface PreparedApp {
  app: Application;
  runbookName: string;
  site?: string;
  hosts: string[];
  /** The application's template scope (inputs, app, env). */
  values: Record<string, unknown>;
  /** The `os` of an estate host: an ssh step's `run` is quoted for its host's shell. */
  hostOs?: (id: string) => Host["os"] | undefined;
  secrets: Map<string, string>;
  prechecks: { id: string; action: PreparedAction }[];
  steps: PreparedStep[];
  verify: PreparedVerify[];
}

/** A problem found while preparing, pinned to runbook, application and place. */
export interface PrepareProblem {
  runbook: string;
  file?: string;
  app: string;
  where: string;
  message: string;
  code: TemplateErrorCode | "step-cycle";
}

export class PrepareError extends FerryError {
  override name = "PrepareError";
  declare readonly code: PrepareProblem["code"];
  constructor(readonly problems: PrepareProblem[]) {
    super(problems[0]?.code ?? "template-unresolved", problems.map(formatProblem).join("\n"), "Fix the runbook or the application's params in the estate; nothing has run.");
  }
}

/** `runbooks/x.yaml: runbook x, application a, step s (ssh.run): message` */
export function formatProblem(p: PrepareProblem): string {
  return `${p.file ?? `runbook ${p.runbook}`}: runbook ${p.runbook}, application ${p.app}, ${p.where}: ${p.message}`;
}

const osByEstate = new WeakMap<Estate, (id: string) => Host["os"] | undefined>();

/** `os` of each estate host by id, built once per estate. */
function hostOsOf(estate: Estate): (id: string) => Host["os"] | undefined {
  let f = osByEstate.get(estate);
  if (!f) {
    const byId = new Map(estate.hosts.map((h) => [h.id, h.os]));
    f = (id) => byId.get(id);
    osByEstate.set(estate, f);
  }
  return f;
}

const DEFAULT_RETRY: RetryPolicy = { attempts: 1, delayMs: 0, backoff: 1 };

function retryOf(r: Step["retry"]): RetryPolicy {
  if (!r) return DEFAULT_RETRY;
  return { attempts: r.attempts, delayMs: durationMs(r.delay ?? "5s"), backoff: r.backoff ?? 1 };
}

function prepAction(x: ActionOnly | Step, visible: ReadonlySet<string>): PreparedAction {
  const { kind, spec } = actionOf(x);
  return {
    kind,
    template: spec,
    visibleSteps: visible,
    timeoutMs: x.timeout ? durationMs(x.timeout) : undefined,
    retry: retryOf(x.retry),
  };
}

/** Dependencies of each step: `needs` when the runbook uses it anywhere, else file order. */
export function stepNeeds(steps: Step[]): Map<string, string[]> {
  const dag = steps.some((s) => s.needs !== undefined);
  return new Map(steps.map((s, i) => [s.id, dag ? [...(s.needs ?? [])] : i > 0 ? [steps[i - 1]!.id] : []]));
}

/** Every step that must finish before `id` (transitively). Throws on a cycle. */
function ancestors(needs: Map<string, string[]>): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visiting = new Set<string>();
  const visit = (id: string, path: string[]): Set<string> => {
    const done = out.get(id);
    if (done) return done;
    if (visiting.has(id)) throw new TemplateError(`steps' needs form a cycle: ${[...path, id].join(" → ")}`, "template-unresolved");
    visiting.add(id);
    const set = new Set<string>();
    for (const n of needs.get(id) ?? []) {
      if (!needs.has(n)) throw new TemplateError(`step "${id}" needs "${n}", which is not a step of this runbook`);
      set.add(n);
      for (const a of visit(n, [...path, id])) set.add(a);
    }
    visiting.delete(id);
    out.set(id, set);
    return set;
  };
  for (const id of needs.keys()) visit(id, []);
  return out;
}

/**
 * Prepare one application: resolve inputs, check every template. Returns the problems found
 * instead of throwing, so a run reports all of them at once.
 */
export function prepareApplication(
  app: Application,
  runbookName: string,
  runbook: Runbook,
  estate: Estate,
  env: Readonly<Record<string, string | undefined>>,
  file?: string,
): { prepared?: PreparedApp; problems: PrepareProblem[] } {
  const problems: PrepareProblem[] = [];
  // Messages name inputs, never secret values; this redactor is the second line, built only
  // when there is a problem to report (the run's own redactor does not exist yet).
  let redactor: Redactor | undefined;
  const redact = (text: string) => {
    if (!redactor) {
      redactor = new Redactor();
      for (const v of secretValuesFor(runbook, app, env)) redactor.add(v);
    }
    return redactor.text(text);
  };
  const problem = (where: string, err: unknown) => {
    if (!(err instanceof TemplateError)) throw err;
    const code = /cycle/.test(err.message) ? "step-cycle" : err.code;
    // No empty `file`: formatProblem names the runbook instead only when `file` is absent.
    problems.push({ runbook: runbookName, ...(file ? { file } : {}), app: app.id, where, message: redact(err.message), code });
  };
  let scope;
  try {
    scope = resolveInputs(runbook, app, estate, env);
  } catch (err) {
    problem("inputs", err);
    return { problems };
  }
  const needs = stepNeeds(runbook.steps);
  let before: Map<string, Set<string>>;
  try {
    before = ancestors(needs);
  } catch (err) {
    problem("steps", err);
    return { problems };
  }
  const allSteps = new Set(runbook.steps.map((s) => s.id));
  const hostOs = hostOsOf(estate);
  const check = (where: string, a: PreparedAction) => {
    try {
      renderFor({ values: scope.values, hostOs }, a);
    } catch (err) {
      problem(where, err);
    }
  };
  const prechecks = runbook.precheck.map((p) => {
    const action = prepAction(p, new Set());
    check(`precheck ${p.id}`, action);
    return { id: p.id, action };
  });
  const steps: PreparedStep[] = runbook.steps.map((s) => {
    const visible = before.get(s.id) ?? new Set<string>();
    const action = prepAction(s, visible);
    check(`step ${s.id}`, action);
    const prepared: PreparedStep = { id: s.id, action, idempotent: s.idempotent ?? false, needs: needs.get(s.id) ?? [] };
    if (s.check) {
      prepared.check = prepAction(s.check, visible);
      check(`step ${s.id} check`, prepared.check);
    }
    if (s.rollback) {
      prepared.rollback = prepAction(s.rollback, new Set([...visible, s.id]));
      check(`step ${s.id} rollback`, prepared.rollback);
    }
    return prepared;
  });
  const verify = runbook.verify.map((v) => {
    const action = prepAction(v, allSteps);
    check(`verify ${v.id}`, action);
    return {
      id: v.id,
      action,
      consecutive: v.consecutive ?? 1,
      intervalMs: durationMs(v.interval ?? "5s"),
      withinMs: durationMs(v.within ?? "2m"),
    };
  });
  if (problems.length > 0) return { problems };
  const hosts = app.hosts;
  const site = estate.hosts.find((h) => h.id === hosts[0])?.site;
  return {
    prepared: {
      app,
      runbookName,
      site,
      hosts,
      values: scope.values,
      hostOs,
      secrets: scope.secrets,
      prechecks,
      steps,
      verify,
    },
    problems,
  };
}

/** What run.started records of a prepared application. */
export function plannedRunApp(p: PreparedApp): PlannedRunApp {
  const dag = p.steps.some((s, i) => s.needs.length !== (i === 0 ? 0 : 1) || (i > 0 && s.needs[0] !== p.steps[i - 1]!.id));
  return {
    app: p.app.id,
    runbook: p.runbookName,
    // run.started journals no empty site.
    ...(p.site ? { site: p.site } : {}),
    hosts: p.hosts,
    steps: p.steps.map((s) => ({
      id: s.id,
      idempotent: s.idempotent,
      hasCheck: s.check !== undefined,
      hasRollback: s.rollback !== undefined,
      ...(dag ? { needs: s.needs } : {}),
      ...(s.action.kind === "approval" ? { approval: true } : {}),
    })),
  };
}
