/**
 * `ferry run --dry-run`: honest about its fidelity. Every template was already resolved and
 * checked by prepareWave; here each action is rendered, the read-only probes run
 * (prechecks, and `check` probes that need no step outputs), and every action with a
 * `preflight` is asked whether it could run (SSH: connect and authenticate, no command). Each
 * line says whether it was verified, only rendered, or cannot be checked without making the
 * change. No step and no rollback runs.
 */
import { formatDuration } from "../model/common.js";
import type { ActionKind } from "../model/runbook.js";
import { createActions } from "../actions/index.js";
import type { Action, ActionContext, ActionRegistry } from "../actions/types.js";
import type { PreparedAction, PreparedApp } from "../engine/prepare.js";
import { redactorFor } from "../engine/redact.js";
import { renderFor } from "../engine/render.js";
import { runAttempt } from "../engine/attempt.js";
import { toEventError } from "../engine/event-error.js";
import type { PreparedWave } from "./prepare.js";
import type { RunsContext } from "./context.js";

/** How far a dry run could check one action. */
export type Fidelity = "verified" | "failed" | "rendered" | "unverifiable" | "nothing-to-check";

export interface DryItem {
  app: string;
  /** `precheck`, `step`, `check`, `rollback` or `verify`. */
  phase: string;
  id: string;
  kind: ActionKind;
  /** The rendered command (shell actions) or spec, secrets redacted. */
  rendered: string;
  fidelity: Fidelity;
  detail: string;
}

/** A dry run waits less for a probe than a run would: it is a check, not the night itself. */
const PROBE_TIMEOUT_MS = 10_000;
const PREFLIGHT_TIMEOUT_MS = 30_000;

/** The action rendered as the engine renders it (no step outputs yet), and as the dry run shows it. */
function render(app: PreparedApp, a: PreparedAction): { spec: unknown; text: string; usesOutputs: boolean } {
  const { spec, command } = renderFor(app, a);
  return { spec, text: command ?? JSON.stringify(spec), usesOutputs: JSON.stringify(a.template).includes("steps.") };
}

function contextFor(app: PreparedApp, inputs: PreparedWave, projectDir: string, log: ActionContext["log"]): Omit<ActionContext, "signal"> {
  const hosts = new Map(inputs.project.estate.hosts.map((h) => [h.id, h]));
  return { log, host: (id) => hosts.get(id), secrets: app.secrets, cwd: projectDir };
}

/** Check a wave without changing anything. Returns the items (for tests) and prints them. */
export async function checkWave(inputs: PreparedWave, registry: ActionRegistry, projectDir: string): Promise<DryItem[]> {
  const { default: pino } = await import("pino");
  const log = pino({ level: "silent" });
  const items: DryItem[] = [];
  // One preflight per distinct target (an SSH host is connected to once, whatever its steps).
  const preflights = new Map<string, Promise<{ ok: boolean; detail: string }>>();

  for (const app of inputs.apps) {
    const redactor = redactorFor([app]);
    const probe = async (a: PreparedAction): Promise<{ ok: boolean; detail: string }> => {
      const impl = registry[a.kind] as Action | undefined;
      if (!impl) return { ok: false, detail: `no ${a.kind} action in this build` };
      const ms = Math.min(a.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
      try {
        // The engine's own attempt: the same timeout by abort, the same error classification.
        const out = await runAttempt({ impl, ctx: contextFor(app, inputs, projectDir, log), spec: render(app, a).spec, timeoutMs: ms });
        return { ok: true, detail: typeof out.stdout === "string" && out.stdout ? out.stdout.split("\n")[0]!.slice(0, 120) : "passed" };
      } catch (err) {
        const e = toEventError(err);
        return { ok: false, detail: e.code === "timeout" || /aborted/i.test(e.message) ? `no answer within ${formatDuration(ms)}` : e.message };
      }
    };
    const preflight = (a: PreparedAction): Promise<{ ok: boolean; detail: string }> | undefined => {
      const impl = registry[a.kind] as Action | undefined;
      if (!impl?.preflight) return undefined;
      const spec = render(app, a).spec as Record<string, unknown>;
      const key = a.kind === "ssh" || a.kind === "copy" ? `ssh ${String(spec.user ?? "")}@${String(spec.host)}:${String(spec.port ?? "")}` : `${a.kind} ${JSON.stringify(spec)}`;
      let p = preflights.get(key);
      if (!p) {
        p = impl
          .preflight({ ...contextFor(app, inputs, projectDir, log), signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) }, spec as never)
          .then((detail) => ({ ok: true, detail }))
          .catch((err: unknown) => {
            const e = toEventError(err);
            return { ok: false, detail: `${e.message}${e.hint ? ` (${e.hint})` : ""}` };
          });
        preflights.set(key, p);
      }
      return p;
    };
    const add = (phase: string, id: string, a: PreparedAction, fidelity: Fidelity, detail: string) =>
      items.push({ app: app.app.id, phase, id, kind: a.kind, rendered: redactor.text(render(app, a).text), fidelity, detail: redactor.text(detail) });
    /** A step, check or rollback: checked by its action's preflight where it has one. */
    const byPreflight = async (phase: string, id: string, a: PreparedAction) => {
      if (a.kind === "wait" || a.kind === "approval") return add(phase, id, a, "nothing-to-check", a.kind === "approval" ? "waits for `ferry gate approve`" : "waits");
      const p = preflight(a);
      if (!p) return add(phase, id, a, "unverifiable", "cannot be checked without making the change");
      const r = await p;
      add(phase, id, a, r.ok ? "verified" : "failed", r.ok ? `${r.detail}; not run` : r.detail);
    };

    for (const pc of app.prechecks) {
      const r = await probe(pc.action);
      add("precheck", pc.id, pc.action, r.ok ? "verified" : "failed", r.detail);
    }
    for (const s of app.steps) {
      await byPreflight("step", s.id, s.action);
      if (s.check) {
        if (render(app, s.check).usesOutputs) add("check", s.id, s.check, "rendered", "reads outputs of earlier steps; probed at run time");
        else {
          // A check probe is read-only by contract: ask it whether the step is already in effect.
          const r = await probe(s.check);
          add("check", s.id, s.check, "verified", r.ok ? "probe says the step is already in effect" : `probe says not in effect yet (${r.detail})`);
        }
      }
      if (s.rollback) await byPreflight("rollback", s.id, s.rollback);
    }
    for (const v of app.verify) add("verify", v.id, v.action, "rendered", `health gate after the change: ${v.consecutive} in a row, every ${formatDuration(v.intervalMs)}, within ${formatDuration(v.withinMs)}`);
  }
  return items;
}

/**
 * Check a prepared wave without changing anything: render every action, run the read-only
 * probes and the actions' preflights. Returns one item per action; the caller prints them.
 */
export async function dryRunWave(ctx: Pick<RunsContext, "dir">, prepared: PreparedWave, opts: { acceptNew?: boolean } = {}): Promise<DryItem[]> {
  const actions = createActions({ ssh: { projectDir: ctx.dir, acceptNew: Boolean(opts.acceptNew) } });
  try {
    return await checkWave(prepared, actions.registry, ctx.dir);
  } finally {
    await actions.close();
  }
}
