/**
 * A runbook in a board's words for one application: its go/no-go criteria (prechecks before,
 * health gates after), its rollback plan with the application's own values, the point of no
 * return, and how long it may take by its own time limits.
 */
import { durationMs } from "../model/common.js";
import { actionOf, type ActionOnly, type Runbook, type Step } from "../model/runbook.js";
import { renderText, type ValueScope } from "./values.js";

/** The engine's time limit for a step without `timeout` (engine/run-action.ts). */
const DEFAULT_STEP_MS = 30 * 60_000;

function shorten(text: string, max = 140): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

type Actionish = Partial<Record<string, unknown>> & { description?: string };

/** A sentence for an action with no `description`: what it does, with values. */
function actionWords(x: Actionish, scope: ValueScope): string {
  const { kind, spec } = actionOf(x as ActionOnly);
  const s = spec as unknown as Record<string, unknown>;
  const r = (v: unknown) => renderText(String(v ?? ""), scope);
  switch (kind) {
    case "ssh":
      return `on ${r(s.host)}: ${shorten(r(s.run), 110)}`;
    case "local":
      return `on the operator's machine: ${shorten(r(s.run), 110)}`;
    case "copy":
      return s.direction === "download" ? `copy ${r(s.from)} from ${r(s.host)}` : `copy ${r(s.from)} to ${r(s.host)}:${r(s.to)}`;
    case "http": {
      const expect = s.expect as { status?: unknown } | undefined;
      return `${r(s.method ?? "GET")} ${r(s.url)} answers${expect?.status !== undefined ? ` with ${JSON.stringify(expect.status)}` : ""}`;
    }
    case "tcp":
      return s.expect === "closed" ? `nothing answers on ${r(s.host)} port ${r(s.port)}` : `${r(s.host)} answers on port ${r(s.port)}`;
    case "dns": {
      const expect = s.expect as string[] | undefined;
      return `${r(s.name)} resolves${expect ? (expect.length ? ` to ${expect.map(r).join(", ")}` : " to nothing") : ""}`;
    }
    case "wait":
      return `wait ${typeof spec === "string" ? spec : String((spec as { for: string }).for)}`;
    case "approval":
      return `a person releases the gate: ${r(s.message)}`;
    case "pulumi":
      return `${String(s.operation ?? "preview")} of the ${r(s.stack)} infrastructure stack`;
  }
}

/** The description (rendered with the application's values) or, without one, what the action does. */
export function words(x: Actionish, scope: ValueScope): string {
  return x.description ? renderText(x.description, scope) : actionWords(x, scope);
}

/** Kinds (and forms) that only look, so a step of this kind changes nothing that needs undoing. */
function observesOnly(x: Actionish): boolean {
  const { kind, spec } = actionOf(x as ActionOnly);
  const s = spec as unknown as Record<string, unknown>;
  if (kind === "wait" || kind === "approval" || kind === "tcp" || kind === "dns") return true;
  if (kind === "http") return ["GET", "HEAD", undefined].includes(s.method as string | undefined);
  if (kind === "pulumi") return s.operation !== "up";
  if (kind === "copy") return s.direction === "download";
  return false;
}

/** One line of an application's rollback plan. */
export interface RollbackStep {
  /** The step it undoes. */
  step: string;
  /** What the step did, in words. */
  did: string;
  /** How it is undone, in words with the application's values; undefined when nothing undoes it. */
  undo?: string;
}

/** A runbook for one application, in words. */
export interface RunbookInWords {
  /** Go/no-go before the change: the prechecks. */
  before: string[];
  /** Health gates after the change: the verify checks. */
  after: string[];
  /** The rollback plan, in the order the engine runs it (the last step first). */
  rollback: RollbackStep[];
  /** The first step that changes something and has no rollback; undefined when every change can be undone. */
  pointOfNoReturn?: { step: string; words: string };
  /** The longest the runbook may take by its own limits (timeouts, retries, health gates), in minutes. */
  limitMinutes: number;
}

function stepLimitMs(step: Step): number {
  const attempts = step.retry?.attempts ?? 1;
  const timeout = step.timeout ? durationMs(step.timeout) : DEFAULT_STEP_MS;
  let delays = 0;
  if (step.retry) {
    let d = durationMs(step.retry.delay);
    for (let i = 1; i < attempts; i++) {
      delays += d;
      d *= step.retry.backoff;
    }
  }
  return timeout * attempts + delays;
}

/** Everything the pack says about a runbook for one application. */
export function runbookInWords(runbook: Runbook, scope: ValueScope): RunbookInWords {
  const before = runbook.precheck.map((p) => words(p, scope));
  const after = runbook.verify.map((v) => words(v, scope));
  const rollback: RollbackStep[] = [...runbook.steps].reverse().map((s) => ({ step: s.id, did: words(s, scope), ...(s.rollback ? { undo: words(s.rollback, scope) } : {}) }));
  const point = runbook.steps.find((s) => !s.rollback && !observesOnly(s));
  const ms = runbook.steps.reduce((n, s) => n + stepLimitMs(s), 0) + runbook.verify.reduce((n, v) => n + durationMs(v.within), 0);
  return { before, after, rollback, ...(point ? { pointOfNoReturn: { step: point.id, words: words(point, scope) } } : {}), limitMinutes: ms / 60_000 };
}
