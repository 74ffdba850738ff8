import type { ActionOnly, Runbook, Step } from "../model/runbook.js";
import { actionOf } from "../model/runbook.js";

/** One line of a rollback plan: which step it undoes and how. */
export interface RollbackLine {
  step: string;
  /** `ssh`, `local`, …; undefined when the step has no rollback. */
  action?: string;
  /** The command, URL or target of the rollback action, shortened. */
  detail: string;
}

function shorten(text: string, max = 110): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1)}…`;
}

function describe(x: ActionOnly): { action: string; detail: string } {
  const { kind, spec } = actionOf(x);
  const s = spec as unknown as Record<string, unknown>;
  const detail =
    kind === "ssh" ? `on ${String(s.host)}: ${String(s.run)}`
    : kind === "local" ? String(s.run)
    : kind === "copy" ? `${String(s.from)} → ${String(s.host)}:${String(s.to)}`
    : kind === "http" ? `${String(s.method ?? "GET")} ${String(s.url)}`
    : kind === "tcp" ? `${String(s.host)}:${String(s.port)}`
    : kind === "dns" ? `${String(s.type ?? "A")} ${String(s.name)}`
    : kind === "pulumi" ? `${String(s.operation ?? "preview")} stack ${String(s.stack)}`
    : kind === "approval" ? String(s.message)
    : typeof spec === "string" ? spec : JSON.stringify(spec);
  return { action: kind, detail: shorten(detail) };
}

/**
 * The runbook's rollback plan as the engine would run it after a failure at the last step:
 * the rollbacks of completed steps in reverse order. Steps without a rollback are listed
 * too, so a board sees what cannot be undone automatically.
 */
export function rollbackSummary(runbook: Pick<Runbook, "steps">): RollbackLine[] {
  return [...runbook.steps].reverse().map((step: Step) => (step.rollback ? { step: step.id, ...describe(step.rollback) } : { step: step.id, detail: "no automatic rollback" }));
}
