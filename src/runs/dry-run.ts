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
import { join } from "node:path";
import { approvalFileName } from "../model/plan-hash.js";
import { ActionError } from "../actions/errors.js";
import { writeFileAtomic } from "../journal/write-file-atomic.js";
import type { PreparedWave } from "./prepare.js";
import { stateOf, type RunsContext } from "./context.js";
import { hostKeyStore } from "./session.js";

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
  /** For a failed item: what failed, the same for every item one cause blocks (one host, one probe error). */
  cause?: string;
}

/** One cause of failure and everything it blocks: an unreachable bastion is one problem, not one per step. */
export interface DryProblem {
  cause: string;
  detail: string;
  blocks: { app: string; phase: string; id: string }[];
}

/** What `ferry run --dry-run` found, bound to the plan and wave it checked. */
export interface DryRunResult {
  kind: "DryRun";
  /** The plan's hash and the wave: the result is evidence about exactly this. */
  plan: string;
  wave: number;
  at: string;
  operator: string;
  /** The wave's change-board approval as it stands (a dry run needs none). */
  approval: PreparedWave["approvalStatus"];
  ok: boolean;
  problems: DryProblem[];
  items: DryItem[];
}

/** How a probe or preflight went: `answered` is false when it could not run at all (unreachable, timed out). */
interface Probe {
  ok: boolean;
  answered: boolean;
  detail: string;
  cause?: string;
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
  const preflights = new Map<string, Promise<Probe>>();

  for (const app of inputs.apps) {
    const redactor = redactorFor([app]);
    const probe = async (a: PreparedAction): Promise<Probe> => {
      const impl = registry[a.kind] as Action | undefined;
      if (!impl) return { ok: false, answered: false, detail: `no ${a.kind} action in this build`, cause: `action-unavailable: ${a.kind}` };
      const ms = Math.min(a.timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
      try {
        // The engine's own attempt: the same timeout by abort, the same error classification.
        const out = await runAttempt({ impl, ctx: contextFor(app, inputs, projectDir, log), spec: render(app, a).spec, timeoutMs: ms });
        return { ok: true, answered: true, detail: typeof out.stdout === "string" && out.stdout ? out.stdout.split("\n")[0]!.slice(0, 120) : "passed" };
      } catch (err) {
        const e = toEventError(err);
        // Answered means the probe ran and said no (a status, an exit code); anything else means
        // it never got an answer, and a check that got none has verified nothing.
        const answered = err instanceof ActionError && err.outcome === "failed" && !err.timedOut;
        const detail = e.code === "timeout" || /aborted/i.test(e.message) ? `no answer within ${formatDuration(ms)}` : e.message;
        return { ok: false, answered, detail, cause: answered ? undefined : `${e.code}: ${redactor.text(detail)}` };
      }
    };
    const preflight = (a: PreparedAction): Promise<Probe> | undefined => {
      const impl = registry[a.kind] as Action | undefined;
      if (!impl?.preflight) return undefined;
      const spec = render(app, a).spec as Record<string, unknown>;
      const key = a.kind === "ssh" || a.kind === "copy" ? `ssh ${String(spec.user ?? "")}@${String(spec.host)}:${String(spec.port ?? "")}` : `${a.kind} ${JSON.stringify(spec)}`;
      let p = preflights.get(key);
      if (!p) {
        p = impl
          .preflight({ ...contextFor(app, inputs, projectDir, log), signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS) }, spec as never)
          .then((detail): Probe => ({ ok: true, answered: true, detail }))
          .catch((err: unknown): Probe => {
            const e = toEventError(err);
            const detail = `${e.message}${e.hint ? ` (${e.hint})` : ""}`;
            return { ok: false, answered: false, detail, cause: `${key}: ${e.code}` };
          });
        preflights.set(key, p);
      }
      return p;
    };
    const add = (phase: string, id: string, a: PreparedAction, fidelity: Fidelity, detail: string, cause?: string) =>
      items.push({ app: app.app.id, phase, id, kind: a.kind, rendered: redactor.text(render(app, a).text), fidelity, detail: redactor.text(detail), cause });
    /** A step, check or rollback: checked by its action's preflight where it has one. */
    const byPreflight = async (phase: string, id: string, a: PreparedAction) => {
      if (a.kind === "wait" || a.kind === "approval") return add(phase, id, a, "nothing-to-check", a.kind === "approval" ? "waits for `ferry gate approve`" : "waits");
      const p = preflight(a);
      if (!p) return add(phase, id, a, "unverifiable", "cannot be checked without making the change");
      const r = await p;
      add(phase, id, a, r.ok ? "verified" : "failed", r.ok ? `${r.detail}; not run` : r.detail, r.cause);
    };

    for (const pc of app.prechecks) {
      const r = await probe(pc.action);
      add("precheck", pc.id, pc.action, r.ok ? "verified" : "failed", r.detail, r.ok ? undefined : (r.cause ?? `precheck ${pc.id} says no: ${redactor.text(r.detail)}`));
    }
    for (const s of app.steps) {
      await byPreflight("step", s.id, s.action);
      if (s.check) {
        if (render(app, s.check).usesOutputs) add("check", s.id, s.check, "rendered", "reads outputs of earlier steps; probed at run time");
        else {
          // A check probe is read-only by contract: ask it whether the step is already in effect.
          const r = await probe(s.check);
          if (r.answered) add("check", s.id, s.check, "verified", r.ok ? "probe says the step is already in effect" : `probe says not in effect yet (${r.detail})`);
          else add("check", s.id, s.check, "failed", `the check probe could not run: ${r.detail}`, r.cause);
        }
      }
      if (s.rollback) await byPreflight("rollback", s.id, s.rollback);
    }
    for (const v of app.verify) add("verify", v.id, v.action, "rendered", `health gate after the change: ${v.consecutive} in a row, every ${formatDuration(v.intervalMs)}, within ${formatDuration(v.withinMs)}`);
  }
  return items;
}

/** Problems by cause, each with every item it blocks, in the order first met. */
export function groupProblems(items: readonly DryItem[]): DryProblem[] {
  const byCause = new Map<string, DryProblem>();
  for (const i of items) {
    if (i.fidelity !== "failed") continue;
    const cause = i.cause ?? `${i.app} ${i.phase} ${i.id}: ${i.detail}`;
    const p = byCause.get(cause) ?? { cause, detail: i.detail, blocks: [] };
    p.blocks.push({ app: i.app, phase: i.phase, id: i.id });
    byCause.set(cause, p);
  }
  return [...byCause.values()];
}

/** Where a wave's latest dry-run result is recorded, for the board's evidence. */
export function dryRunPath(stateDir: string, planHash: string, wave: number): string {
  return join(stateDir, "dry-runs", approvalFileName(planHash, wave).replace(/\.yaml$/, ".json"));
}

export interface DryRunOptions {
  acceptNew?: boolean;
  /** Also write the result here (`--out F`), confined to nothing: the operator names it. */
  out?: string;
}

/**
 * Check a prepared wave without changing anything: render every action, run the read-only
 * probes and the actions' preflights. The result is recorded under the state folder (for the
 * change board's evidence) and, with `out`, written there too. Needs no approval: its result is
 * what a board looks at before approving.
 */
export async function dryRunWave(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "operator">, prepared: PreparedWave, opts: DryRunOptions = {}): Promise<DryRunResult> {
  const hostKeys = await hostKeyStore(stateOf(ctx));
  const actions = createActions({ ssh: { projectDir: ctx.dir, acceptNew: Boolean(opts.acceptNew), ...(hostKeys ? { hostKeys } : {}) } });
  let items: DryItem[];
  try {
    items = await checkWave(prepared, actions.registry, ctx.dir);
  } finally {
    await actions.close();
  }
  const problems = groupProblems(items);
  const result: DryRunResult = {
    kind: "DryRun",
    plan: prepared.plan.hash,
    wave: prepared.wave.number,
    at: new Date().toISOString(),
    operator: ctx.operator,
    approval: prepared.approvalStatus,
    ok: problems.length === 0,
    problems,
    items,
  };
  const text = JSON.stringify(result, null, 2) + "\n";
  await writeFileAtomic(dryRunPath(ctx.stateDir, result.plan, result.wave), text);
  if (opts.out) await writeFileAtomic(opts.out, text);
  return result;
}
