/**
 * What `ferry run`, `ferry resume` and `ferry rollback` share once a journal is open: the
 * renderers of the event stream (live view on a terminal, plain lines otherwise, NDJSON with
 * `--json`), the pino log in the run directory, the action registry, and SIGINT/SIGTERM
 * handling (first signal: start nothing new; second: abort running steps). Closes everything
 * whatever happens, then prints what the operator must do next.
 */
import { closeSync, openSync } from "node:fs";
import { dirname, join } from "node:path";
import { userInfo } from "node:os";
import type { DestinationStream } from "pino";
import type { FileJournal } from "../journal/file-journal.js";
import type { RunEvent } from "../model/run-event.js";
import { createActions } from "../actions/index.js";
import type { EngineOptions, RunOutcome } from "../engine/run.js";
import { RunControl } from "../engine/run.js";
import type { EventListener } from "../engine/events.js";
import type { FailureBudget } from "../engine/failure-budget.js";
import type { PreparedApp } from "../engine/prepare.js";
import { Redactor } from "../engine/redact.js";
import type { RunState } from "../engine/state.js";
import type { Estate } from "../model/estate.js";
import { createRunLogger, loggerListener } from "../engine/output/logger.js";
import { ndjsonListener } from "../engine/output/ndjson.js";
import { plainListener } from "../engine/output/plain.js";

/** Who is running ferry: `FERRY_OPERATOR`, else the login name. Recorded in the journal. */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FERRY_OPERATOR?.trim()) return env.FERRY_OPERATOR.trim();
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

/** Options shared by run, resume and rollback. */
export interface SessionOptions {
  journal: FileJournal<RunEvent>;
  stateDir: string;
  projectDir: string;
  estate: Estate;
  apps: PreparedApp[];
  /** NDJSON events on stdout instead of human output. */
  json?: boolean;
  /** Also log at debug level, pretty, to stderr (terminal only). */
  verbose?: boolean;
  /** Pin first-seen SSH host keys into `<projectDir>/.ferry/known_hosts`. @default false */
  acceptNew?: boolean;
  concurrency?: number;
  perSite?: number;
  perHost?: number;
  budget?: FailureBudget;
}

/** A file the logger appends to, created 0600 first: pino would create it world-readable. */
function privateFile(path: string): string {
  closeSync(openSync(path, "a", 0o600));
  return path;
}

async function humanListener(json: boolean): Promise<{ listener: EventListener; stop(): void }> {
  if (json) return { listener: ndjsonListener(), stop() {} };
  if (process.stdout.isTTY) {
    const [{ createLogUpdate }, { liveView }] = await Promise.all([import("log-update"), import("../engine/output/live.js")]);
    const view = liveView((s) => createLogUpdate(s), process.stdout);
    return view;
  }
  return { listener: plainListener((l) => void process.stdout.write(l)), stop() {} };
}

/**
 * Run `body` with a fully wired engine. Returns the outcome after closing the journal, the
 * logger and the actions' connections and removing the signal handlers.
 */
export async function withRunSession(opts: SessionOptions, body: (engine: EngineOptions) => Promise<RunOutcome>): Promise<RunOutcome> {
  // Undone in reverse, whatever happens; the journal closes last (it waits for its queue).
  const cleanup: (() => unknown)[] = [];
  try {
    const redactor = new Redactor();
    for (const a of opts.apps) for (const v of a.secrets.values()) redactor.add(v);
    const runDir = dirname(opts.journal.path);
    let pretty: DestinationStream | undefined;
    if (opts.verbose && process.stderr.isTTY) {
      const { default: pinoPretty } = await import("pino-pretty");
      pretty = pinoPretty({ destination: 2, colorize: true });
    }
    const { log, flush } = createRunLogger({ file: privateFile(join(runDir, "log.ndjson")), redactor, ...(pretty ? { pretty } : {}) });
    cleanup.push(flush);
    const human = await humanListener(Boolean(opts.json));
    cleanup.push(() => human.stop());
    const control = new RunControl();
    const onSignal = (signal: NodeJS.Signals) => control.interrupt(signal);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    cleanup.push(() => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    });
    const actions = createActions({ ssh: { projectDir: opts.projectDir, acceptNew: Boolean(opts.acceptNew) } });
    cleanup.push(() => actions.close());
    return await body({
      journal: opts.journal,
      actions: actions.registry,
      estate: opts.estate,
      cwd: opts.projectDir,
      log,
      listeners: [human.listener, loggerListener(log)],
      redactor,
      control,
      ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
      ...(opts.perSite !== undefined ? { perSite: opts.perSite } : {}),
      ...(opts.perHost !== undefined ? { perHost: opts.perHost } : {}),
      ...(opts.budget ? { budget: opts.budget } : {}),
    });
  } finally {
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch {
        // Cleaning up must not hide the run's own outcome or error.
      }
    }
    await opts.journal.close();
  }
}

/**
 * What the operator must do next, in words: the steps to finish by hand (exit 3), uncertain
 * steps to inspect and settle or gates to release (exit 4), how to continue after an interrupt.
 */
export function nextSteps(outcome: RunOutcome, stateFlag: string): string {
  const { state, runId, exitCode } = outcome;
  const lines: string[] = [];
  const resume = `ferry resume ${runId}${stateFlag}`;
  for (const a of state.apps.values()) {
    if (a.status === "rollback-failed") {
      lines.push(`${a.id}: ROLLBACK FAILED. A person must finish these steps by hand: ${(a.manual ?? []).join(", ") || "(see ferry status)"}${a.reason ? `\n  why: ${a.reason}` : ""}`);
    }
    for (const s of a.steps.values()) {
      if (s.status === "uncertain") {
        lines.push(`${a.id}: step ${s.id} is UNCERTAIN: it may or may not have taken effect.\n  ${s.uncertainInspect ?? "Inspect it"}`.replaceAll("ferry resume RUN", `ferry resume ${runId}`));
      }
      if (s.status === "waiting" && a.status === "waiting") {
        lines.push(`${a.id}: waiting for approval at ${s.id}: ferry gate approve ${runId} --app ${a.id} --step ${s.id} --by NAME${stateFlag}, then ${resume}`);
      }
    }
  }
  const head = `run ${runId}: ${outcome.status} (exit ${exitCode})`;
  if (exitCode === 130) lines.push(`Interrupted: everything done so far is journalled. Continue with: ${resume}`);
  if (exitCode === 3) {
    lines.push(
      `Either fix the cause and retry the rollback: ${resume}
` +
        `or finish the failed rollback by hand, record it, and let ferry undo the rest: ${resume} --app APP --step-done STEP`,
    );
  }
  return [head, ...lines].join("\n") + "\n";
}

/** Counts of application statuses, `2 succeeded, 1 rolled-back`. */
export function countsText(state: RunState): string {
  const counts = new Map<string, number>();
  for (const a of state.apps.values()) counts.set(a.status, (counts.get(a.status) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} ${k}`).join(", ");
}

/** ` --dir D --state D` as far as they differ from the defaults, for commands the operator copies. */
export function stateFlagFor(opts: { state?: string; dir?: string }): string {
  return `${opts.dir !== undefined && opts.dir !== "." ? ` --dir ${opts.dir}` : ""}${opts.state !== undefined ? ` --state ${opts.state}` : ""}`;
}
