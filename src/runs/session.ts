/**
 * What `run`, `resume` and `rollback` share once a journal is open: the run log in the run's
 * folder (0600, secrets redacted), the action registry and its connections, and the engine's
 * options. Closes everything whatever happens, the journal last. Prints nothing: the caller's
 * listeners render the event stream, and the caller wires signals to `control`.
 */
import { closeSync, mkdirSync, openSync } from "node:fs";
import { join } from "node:path";
import type { DestinationStream } from "pino";
import type { RunJournal, StateBackend } from "../state/index.js";
import type { OnFailure } from "../model/run-event.js";
import type { Estate } from "../model/estate.js";
import { createActions, type SshOptions } from "../actions/index.js";
import type { EngineOptions, RunControl, RunOutcome } from "../engine/run.js";
import type { EventListener } from "../engine/events.js";
import type { FailureBudget } from "../engine/failure-budget.js";
import type { PreparedApp } from "../engine/prepare.js";
import { redactorFor } from "../engine/redact.js";
import { createRunLogger, loggerListener } from "../engine/output/logger.js";

/** How a run is executed and watched: the same for run, resume and rollback. */
export interface ExecuteOptions {
  /** Renderers of the event stream (live view, plain lines, NDJSON). The journal and the run log always listen. */
  listeners?: EventListener[];
  /** Stop and abort signals; the CLI wires SIGINT/SIGTERM to `control.interrupt`. @default a new RunControl */
  control?: RunControl;
  /** Also write the debug log, pretty, here (`--verbose`). */
  pretty?: DestinationStream;
  /** Pin first-seen SSH host keys into `<dir>/.ferry/known_hosts`. @default false */
  acceptNew?: boolean;
}

/** Limits a new run is started with (a resume keeps the ones recorded). */
export interface RunLimits {
  /** Applications at once. @default DEFAULT_CONCURRENCY */
  concurrency?: number;
  perSite?: number;
  perHost?: number;
  /** @default { kind: "count", count: 0 } */
  budget?: FailureBudget;
  /** What a failed application does (`--on-failure`). @default "rollback" */
  onFailure?: OnFailure;
}

interface SessionInput {
  journal: RunJournal;
  /** Where the run's head is recorded when it finishes, and whose local folder holds the run log. */
  state: StateBackend;
  projectDir: string;
  estate: Estate;
  apps: PreparedApp[];
  limits?: RunLimits;
}

/**
 * Where the SSH actions trust and pin host keys besides known_hosts: with a team's database,
 * its host-keys table, so every operator and runner expects the key one of them pinned. With a
 * state folder, nothing: the actions read and pin `<project>/.ferry/known_hosts` as always.
 */
export async function hostKeyStore(state: StateBackend): Promise<SshOptions["hostKeys"]> {
  if (state.kind === "file") return undefined;
  return { name: `the host keys in ${state.location}`, lines: await state.pinnedHostKeys(), pin: (line) => state.pinHostKey(line) };
}

/** A file the logger appends to, created 0600 first: pino would create it world-readable. */
function privateFile(path: string): string {
  closeSync(openSync(path, "a", 0o600));
  return path;
}

/**
 * Run `body` with a fully wired engine. Returns the outcome after closing the logger, the
 * actions' connections and the journal, and, when the run finished, recording its journal head
 * in heads.ndjson.
 */
export async function withRunSession(input: SessionInput, exec: ExecuteOptions, body: (engine: EngineOptions) => Promise<RunOutcome>): Promise<RunOutcome> {
  const outcome = await wired(input, exec, body);
  if (outcome.state.finished) {
    const { seq, sum } = input.journal.head;
    await input.state.recordHead({ run: outcome.runId, seq, sum, status: outcome.status, at: new Date().toISOString() });
  }
  return outcome;
}

async function wired(input: SessionInput, exec: ExecuteOptions, body: (engine: EngineOptions) => Promise<RunOutcome>): Promise<RunOutcome> {
  // Undone in reverse, whatever happens; the journal closes last (it waits for its queue).
  const cleanup: (() => unknown)[] = [];
  try {
    const redactor = redactorFor(input.apps);
    // The run log stays on this machine, beside the file journal when there is one.
    const runDir = join(input.state.localDir, "runs", input.journal.runId);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    const { log, flush } = createRunLogger({ file: privateFile(join(runDir, "log.ndjson")), redactor, pretty: exec.pretty });
    cleanup.push(flush);
    const hostKeys = await hostKeyStore(input.state);
    const actions = createActions({ ssh: { projectDir: input.projectDir, acceptNew: Boolean(exec.acceptNew), ...(hostKeys ? { hostKeys } : {}) } });
    cleanup.push(() => actions.close());
    return await body({
      journal: input.journal,
      actions: actions.registry,
      estate: input.estate,
      cwd: input.projectDir,
      log,
      listeners: [...(exec.listeners ?? []), loggerListener(log)],
      redactor,
      control: exec.control,
      ...input.limits,
    });
  } finally {
    for (const c of cleanup.reverse()) {
      try {
        await c();
      } catch {
        // Cleaning up must not hide the run's own outcome or error.
      }
    }
    await input.journal.close();
  }
}
