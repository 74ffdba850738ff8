/**
 * The backend `--state` (or `FERRY_STATE`) names, for the CLI. A folder is the file backend; a
 * `postgres://…` connection string is the team's database, whose client is loaded on first use
 * (a dynamic import), so commands on folders, and `--help`, never load it.
 */
import path from "node:path";
import type { HeldLock, OpenRunOptions, RecordedHead, RunJournal, RunLiveness, RunRecords, StateBackend } from "./backend.js";
import { withoutPasswords } from "./redact.js";
import { fileState, isDatabaseState } from "./index.js";

export interface StateSpec {
  /** `--state`: a folder or a connection string. */
  state?: string;
  /** The project folder: `<dir>/.ferry` is the state folder by default, and this machine's folder with a database. */
  dir?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** `--state`, else `FERRY_STATE`, else nothing (the default folder). */
export function stateSetting(spec: StateSpec): string | undefined {
  const v = spec.state ?? (spec.env ?? process.env).FERRY_STATE;
  return v?.trim() ? v.trim() : undefined;
}

/** The backend a command works on. */
export function openState(spec: StateSpec): StateBackend {
  const setting = stateSetting(spec);
  const localDir = path.resolve(spec.dir ?? ".", ".ferry");
  if (isDatabaseState(setting)) return new DeferredPostgresState(setting, localDir, spec.env ?? process.env);
  return fileState(setting ?? localDir);
}

/** The PostgreSQL backend, opened (client loaded, schema version checked) on its first use. */
class DeferredPostgresState implements StateBackend {
  readonly kind = "postgres" as const;
  readonly location: string;
  readonly headsLocation = "the heads table";
  #loading: Promise<StateBackend> | undefined;

  constructor(
    private readonly url: string,
    readonly localDir: string,
    private readonly env: Readonly<Record<string, string | undefined>>,
  ) {
    this.location = withoutPasswords(url);
  }

  #backend(): Promise<StateBackend> {
    // A failed opening (unreachable, schema too old) is not remembered: the next use tries again.
    this.#loading ??= (async () => {
      const { openPostgresState } = await import("./postgres/open.js");
      return await openPostgresState(this.url, { localDir: this.localDir, env: this.env });
    })();
    return this.#loading;
  }

  async createRun(runId: string, opts: OpenRunOptions): Promise<RunJournal> {
    return (await this.#backend()).createRun(runId, opts);
  }
  async openRun(runId: string, opts: OpenRunOptions): Promise<RunJournal> {
    return (await this.#backend()).openRun(runId, opts);
  }
  async readRun(runId: string, opts?: { maxRecords?: number }): Promise<RunRecords> {
    return (await this.#backend()).readRun(runId, opts);
  }
  async readRuns(runIds?: readonly string[]): Promise<Map<string, RunRecords | Error>> {
    return (await this.#backend()).readRuns(runIds);
  }
  async listRuns(): Promise<string[]> {
    return (await this.#backend()).listRuns();
  }
  async runLiveness(runId: string): Promise<RunLiveness> {
    return (await this.#backend()).runLiveness(runId);
  }
  async runsLiveness(runIds: readonly string[]): Promise<Map<string, RunLiveness>> {
    return (await this.#backend()).runsLiveness(runIds);
  }
  async runOrigins(): Promise<Map<string, { by: string; host: string }>> {
    const b = await this.#backend();
    return b.runOrigins ? b.runOrigins() : new Map();
  }
  async runListings(): Promise<Map<string, string | null> | undefined> {
    const b = await this.#backend();
    return b.runListings ? b.runListings() : undefined;
  }
  async removeEmptyRun(runId: string): Promise<void> {
    return (await this.#backend()).removeEmptyRun(runId);
  }
  async takeStartLock(owner: string): Promise<HeldLock> {
    return (await this.#backend()).takeStartLock(owner);
  }
  async recordHead(head: RecordedHead): Promise<void> {
    return (await this.#backend()).recordHead(head);
  }
  async recordedHeads(runId: string): Promise<RecordedHead[]> {
    return (await this.#backend()).recordedHeads(runId);
  }
  async planFirstMade(hash: string): Promise<string | undefined> {
    return (await this.#backend()).planFirstMade(hash);
  }
  async recordPlanMade(hash: string, now?: Date): Promise<void> {
    return (await this.#backend()).recordPlanMade(hash, now);
  }
  async pinnedHostKeys(): Promise<string[]> {
    return (await this.#backend()).pinnedHostKeys();
  }
  async pinHostKey(line: string): Promise<void> {
    return (await this.#backend()).pinHostKey(line);
  }
  async close(): Promise<void> {
    if (this.#loading) await (await this.#loading).close();
  }
}
