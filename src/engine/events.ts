/**
 * The one event stream of a run. `emit` stamps the event, redacts it, appends it to the
 * journal and waits until the record is durable, and only then hands it to the listeners and
 * returns: the engine acts on a transition only after `emit` resolves.
 */
import type { Journal } from "../journal/types.js";
import { RUN_EVENT_VERSION } from "../model/run-event.js";
import type { RunEvent, RunEventInput } from "../model/run-event.js";
import { redactorFor } from "./redact.js";
import type { HasSecrets, Redactor } from "./redact.js";
import { applyEvent } from "./state.js";
import type { RunState } from "./state.js";

/** Something that renders or records events (terminal view, NDJSON, logger). */
export type EventListener = (event: RunEvent) => void;

export interface EventStreamOptions {
  runId: string;
  journal: Journal<RunEvent>;
  redactor: Redactor;
  listeners?: EventListener[];
  /** Clock for `at`. @default () => new Date() */
  now?: () => Date;
}

export class EventStream {
  readonly runId: string;
  private readonly journal: Journal<RunEvent>;
  private readonly redactor: Redactor;
  private readonly listeners: EventListener[];
  private readonly now: () => Date;
  /** The live state, kept by the same fold that resume uses. */
  state: RunState | undefined;

  constructor(opts: EventStreamOptions) {
    this.runId = opts.runId;
    this.journal = opts.journal;
    this.redactor = opts.redactor;
    this.listeners = opts.listeners ?? [];
    this.now = opts.now ?? (() => new Date());
  }

  /** Add a listener (e.g. after the terminal view is ready). */
  listen(l: EventListener): void {
    this.listeners.push(l);
  }

  /** Journal the event durably, update the state, then notify listeners. */
  async emit(input: RunEventInput): Promise<RunEvent> {
    const event = this.redactor.deep({ v: RUN_EVENT_VERSION, at: this.now().toISOString(), run: this.runId, ...input } as RunEvent);
    await this.journal.append(event);
    if (this.state) applyEvent(this.state, event);
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // A broken renderer must not stop a run whose record is already durable.
      }
    }
    return event;
  }
}

export interface RunStreamOptions {
  runId: string;
  journal: Journal<RunEvent>;
  /** Applications whose secrets are redacted from every event. @default none */
  apps?: readonly HasSecrets[];
  /** The redactor they are added to, shared with the CLI. @default a new Redactor */
  redactor?: Redactor;
  listeners?: EventListener[];
  /** Clock for `at`. @default () => new Date() */
  now?: () => Date;
  /** The state read back from the journal, kept current by the stream. @default none (a new run sets it after run.started) */
  state?: RunState;
}

/** The event stream of a run: the one place it is built, with the run's secrets registered for redaction. */
export function runStream(opts: RunStreamOptions): EventStream {
  const stream = new EventStream({ runId: opts.runId, journal: opts.journal, redactor: redactorFor(opts.apps ?? [], opts.redactor), listeners: opts.listeners, now: opts.now });
  stream.state = opts.state;
  return stream;
}
