/** One human sentence per event, for plain (non-TTY) output, the live view and log messages. */
import type { RunEvent } from "../../model/run-event.js";
import { printable } from "../../model/printable.js";

/**
 * A short line for an event, or undefined for events too chatty to print by default. Estate
 * values and remote output reach it, so control characters are made visible.
 */
export function describeEvent(e: RunEvent): string | undefined {
  const text = describe(e);
  return text === undefined ? undefined : printable(text);
}

function describe(e: RunEvent): string | undefined {
  switch (e.type) {
    case "run.started":
      return `run ${e.run} started by ${e.operator}: ${e.apps.length} application(s)${e.wave !== undefined ? `, wave ${e.wave}` : ""}`;
    case "run.resumed":
      return `run ${e.run} resumed by ${e.operator}${e.acceptedChanges?.length ? ` (accepted changes to ${e.acceptedChanges.map((c) => c.runbook).join(", ")})` : ""}`;
    case "run.interrupted":
      return e.abort
        ? `${e.signal} again: aborting running steps`
        : `${e.signal}: no new work starts; running steps finish (send it again to abort them)`;
    case "run.finished":
      return `run ${e.run} ${e.status} (exit ${e.exitCode}): ${Object.entries(e.counts).map(([k, v]) => `${v} ${k}`).join(", ")}`;
    case "app.started":
      return `${e.app}: started`;
    case "app.finished":
      return `${e.app}: ${e.status}${e.reason ? ` — ${e.reason}` : ""}${e.manual?.length ? ` [finish by hand: ${e.manual.join(", ")}]` : ""}`;
    case "precheck.passed":
      return `${e.app}: precheck ${e.step} passed`;
    case "precheck.failed":
      return `${e.app}: precheck ${e.step} FAILED: ${e.error?.message ?? ""}`;
    case "step.started":
      return `${e.app}: ${e.step} started${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}${e.command ? `: ${e.command.length > 300 ? `${e.command.slice(0, 300)}…` : e.command}` : ""}`;
    case "step.process":
      return undefined;
    case "step.orphan":
      return `${e.app}: ${e.step}${e.phase === "rollback" ? " rollback" : ""} left running by the stopped ferry: ${e.detail}`;
    case "step.attempt.failed":
      return `${e.app}: ${e.step} attempt ${e.attempt} failed: ${e.error.message}; retrying in ${Math.round(e.retryInMs / 100) / 10}s`;
    case "step.succeeded":
      return `${e.app}: ${e.step} succeeded${e.via !== "action" ? ` (${e.via === "check" ? "its check says it took effect" : "settled by operator"})` : ""}`;
    case "step.failed":
      return `${e.app}: ${e.step} FAILED: ${e.error.message}`;
    case "step.checked":
      return `${e.app}: ${e.step} check: ${e.error ? `could not tell (${e.error.message})` : e.tookEffect ? "already in effect" : "not in effect"}`;
    case "step.uncertain":
      return `${e.app}: ${e.step} UNCERTAIN${e.phase === "rollback" ? " (rollback)" : ""}: ${e.reason}. ${e.inspect.replaceAll("ferry resume RUN", `ferry resume ${e.run}`)}`;
    case "rollback.started":
      return `${e.app}: rolling back ${e.step}${e.attempt > 1 ? ` (attempt ${e.attempt})` : ""}`;
    case "rollback.attempt.failed":
      return `${e.app}: rollback of ${e.step} attempt ${e.attempt} failed: ${e.error.message}`;
    case "rollback.succeeded":
      return `${e.app}: ${e.step} rolled back`;
    case "rollback.failed":
      return `${e.app}: ROLLBACK OF ${e.step} FAILED: ${e.error.message}`;
    case "gate.waiting":
      return `${e.app}: ${e.step} waiting for approval: ${e.message}${e.approvers?.length ? ` (approvers: ${e.approvers.join(", ")})` : ""}`;
    case "gate.approved":
      return `${e.app}: ${e.step} approved by ${e.by}`;
    case "verify.probe":
      return undefined;
    case "verify.passed":
      return `${e.app}: verify ${e.verify} passed`;
    case "verify.failed":
      return `${e.app}: verify ${e.verify} FAILED: ${e.reason ?? ""}`;
    case "operator.settled":
      return `${e.app}: ${e.step}${e.phase === "rollback" ? " rollback" : ""} settled as ${e.outcome} by ${e.by}`;
  }
}
