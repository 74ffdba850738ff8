import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Diagnostic } from "./diagnostics.js";
import { InputError, UsageError, sortDiagnostics } from "./diagnostics.js";
import { Application, Calendar, ChangeControl, Dataset, Host, Network, Organisation, Site, type Estate, type EstateFile } from "./estate.js";
import { Runbook } from "./runbook.js";
import { StackFile, StackTarget, STACK_KEYS } from "./stack.js";
import { issuesToDiagnostics } from "./schema-issues.js";
import { safeParseEstateFile } from "./fast-entries.js";
import { parseYaml, positionOf, YamlSource, type PathSegment } from "./yaml-source.js";
import { parseDocumentOf } from "./estate-document.js";
import { parallelEstate, workerPolicy, type EstateInput, type EstateReading } from "./estate-parallel.js";
import type { EstatePoolStats } from "./estate-pool.js";
import { digestOfBytes, rereadText } from "./file-digest.js";
import { asDiagnostics, checksKey, isJsonExact, type DocumentCache } from "./cache.js";
import { checkEstate, checkRunbooks, checkStacks, type Origins } from "./checks.js";
import { checkStackTarget } from "./stack-checks.js";
import { undeclaredEnv } from "./requirements.js";
import { refsFromJson, refsToJson, type EstateRefs } from "./refs.js";

export interface LoadedRunbook {
  runbook: Runbook;
  file: string;
  /** sha256 hex of the file's bytes: plans and runs pin runbooks by it. */
  digest: string;
}

export interface LoadedStack {
  /** The environment: `prod` for `stacks/Pulumi.prod.yaml`. */
  name: string;
  target: StackTarget;
  file: string;
  digest: string;
}

/** Everything ferry reads from a project directory, validated. */
export interface Project {
  dir: string;
  estate: Estate;
  runbooks: Map<string, LoadedRunbook>;
  stacks: Map<string, LoadedStack>;
  /** Every file read: relative path and sha256 hex, sorted by path. */
  files: { path: string; digest: string }[];
  /** The estate's links and hosts resolved to positions, as validation found them (the planner follows these instead of ids). */
  refs?: EstateRefs;
  /** Which of estate/, runbooks/, stacks/ exist. */
  folders: { estate: boolean; runbooks: boolean; stacks: boolean };
  diagnostics: Diagnostic[];
}

export const FOLDERS = ["estate", "runbooks", "stacks"] as const;

async function listYaml(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && /\.ya?ml$/.test(e.name))
      .map((e) => e.name)
      .sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" || (err as NodeJS.ErrnoException).code === "ENOTDIR") return undefined;
    throw err;
  }
}

/** The files of a project, by folder, and which folders exist. */
export interface ProjectFiles {
  folders: { estate: boolean; runbooks: boolean; stacks: boolean };
  /** Relative paths (`estate/apps.yaml`) of each folder's YAML files, sorted by name. */
  names: Record<(typeof FOLDERS)[number], string[]>;
}

/**
 * The YAML files of estate/, runbooks/ and stacks/ under `dir`. A folder that is not a project
 * at all (missing, or without estate/) is a usage error: checking nothing and printing
 * "✓ valid" would mislead.
 */
export async function projectFiles(dir: string): Promise<ProjectFiles> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(`project directory ${dir} does not exist`, "file-not-found", "Pass --dir with the folder that holds estate/, runbooks/ and stacks/.");
  }
  if (!(await stat(join(dir, "estate")).catch(() => undefined))?.isDirectory()) {
    throw new UsageError(
      `no estate/ in ${dir === "." ? "this folder" : dir}: is this a ferry project?`,
      "missing-folder",
      "Run ferry in the folder that holds estate/ (or pass --dir); `ferry example --apps 20 --out DIR` writes a project to start from.",
    );
  }
  const folders = { estate: false, runbooks: false, stacks: false };
  const names: ProjectFiles["names"] = { estate: [], runbooks: [], stacks: [] };
  for (const folder of FOLDERS) {
    const found = await listYaml(join(dir, folder));
    if (!found) continue;
    folders[folder] = true;
    names[folder] = found.map((name) => `${folder}/${name}`);
  }
  return { folders, names };
}

/** Progress of {@link loadProject}, for a status line: each file as it is read, then the cross-checks. */
export type LoadProgress = (step: { file: string; index: number; total: number } | { checking: true }) => void;

/** Options of {@link loadProject}. */
export interface LoadOptions {
  progress?: LoadProgress;
  cache?: DocumentCache;
  /**
   * Worker threads for the estate files that miss the cache: up to this many, whatever the files'
   * size; 0 never. Default: `FERRY_LOAD_WORKERS` when it is a whole number, else one per core (on
   * two cores or more) once enough estate text misses the cache (model/estate-parallel.ts says how much).
   * The main thread checks files too while it waits for the workers' answers.
   */
  workers?: number;
  /** The worker entry (tests pass a broken one); default the built estate worker beside this module. */
  workerScript?: URL | string;
  /** Told what the workers did, when any were started (for tests and benchmarks). */
  onWorkers?: (stats: EstatePoolStats) => void;
}

/**
 * Read and check estate/, runbooks/ and stacks/ under `dir`. runbooks/ and stacks/ are
 * optional; what is present is checked. Never throws for bad input in the files: every problem
 * becomes a diagnostic. A folder that is not a project at all (missing, or without estate/) is
 * a usage error: checking nothing and printing "✓ valid" would mislead.
 *
 * With a `cache`, an estate file whose text has the digest of one that loaded cleanly before
 * is not parsed or schema-checked again (its checked data is reused), and the project-wide
 * checks are not run again when no file changed (their findings are reused). Files with any
 * problem are never cached, so every diagnostic, with its file:line:col, is the same either way.
 *
 * Estate files that miss the cache are parsed and checked in worker threads when there is enough
 * of them (see {@link LoadOptions.workers}). A worker only ever answers "clean, and here is its
 * data"; any file with a problem, and every file of a worker that failed, is loaded here as
 * without workers, and files are taken in the same order, so the result is the same either way.
 */
export async function loadProject(dir: string, opts: LoadOptions = {}): Promise<Project> {
  const cache = opts.cache;
  const { folders, names } = await projectFiles(dir);
  const diagnostics: Diagnostic[] = [];
  const files: { path: string; digest: string }[] = [];
  const digestOf = new Map<string, string>();
  // A file's digest as read; read again (a worker died holding its bytes), the newer one counts.
  const record = (file: string, digest: string) => {
    if (digestOf.has(file)) files.find((f) => f.path === file)!.digest = digest;
    else files.push({ path: file, digest });
    digestOf.set(file, digest);
  };
  const total = FOLDERS.reduce((n, f) => n + names[f].length, 0);
  let index = 0;
  // Files are read one at a time and their text is not kept: a 100k-application estate is ~50 MB of
  // text, and what is live while loading sets how far the heap grows. Positions re-read the file.
  async function* read(folder: (typeof FOLDERS)[number]): AsyncGenerator<{ file: string; text: () => string; digest: string; reread: () => string }> {
    for (const file of names[folder]) {
      opts.progress?.({ file, index: index++, total });
      const bytes = await readFile(join(dir, file));
      const digest = digestOfBytes(bytes);
      const text = () => bytes.toString("utf8");
      record(file, digest);
      yield { file, text, digest, reread: () => rereadText(join(dir, file), digest) };
    }
  }

  const estate: Estate = { organisations: [], sites: [], networks: [], hosts: [], applications: [], datasets: [] };
  // Where each entity came from, for the project-wide checks' positions: built only when they run
  // (an unchanged project reuses their findings, and 100k+ entries are not free to make).
  const placed: { source: YamlSource; parsed: Partial<EstateFile> }[] = [];
  const invalidIds = new Set<string>();
  let calendarSource: YamlSource | undefined;
  // An estate file that could not be read at all defines ids nobody can see: references to
  // them would each be reported as unknown (one tab in hosts.yaml made 70 errors of one).
  let unreadEstate = false;
  // The checked data of an unchanged file, from the cache.
  const cachedData = (digest: string): EstateFile | undefined => {
    const cached = cache?.get("estate", digest) as { parsed?: EstateFile } | undefined;
    return cached?.parsed && typeof cached.parsed === "object" ? cached.parsed : undefined;
  };

  // Without workers: one file at a time, as it is read.
  async function* serialEstate(): AsyncGenerator<EstateInput> {
    for await (const { file, text, digest, reread } of read("estate")) {
      const ready = cachedData(digest);
      yield ready ? { file, digest, reread, ready } : { file, digest, reread, text };
    }
  }

  const policy = workerPolicy(opts);
  const reading: EstateReading = {
    dir,
    files: names.estate,
    ...(cache ? { cache } : {}),
    cachedData,
    record,
    progress: (file, at) => opts.progress?.({ file, index: at ?? index++, total }),
    ...(opts.onWorkers ? { onWorkers: opts.onWorkers } : {}),
  };
  for await (const input of policy ? parallelEstate(reading, policy) : serialEstate()) {
    const { file, digest, reread } = input;
    let doc: { source: YamlSource } | undefined;
    let parsed: Partial<EstateFile>;
    if ("ready" in input) {
      // Checked data (the same text loaded cleanly before, or a worker checked it): a source that re-reads the text for positions.
      doc = { source: new YamlSource(file, reread) };
      parsed = input.ready;
    } else {
      const fresh = parseDocumentOf(file, input.text(), "Estate", diagnostics, reread);
      if (!fresh) {
        unreadEstate = true;
        continue;
      }
      doc = fresh;
      const result = safeParseEstateFile(fresh.data);
      if (!result.success) diagnostics.push(...issuesToDiagnostics(result.error.issues, fresh.source, fresh.data));
      else if (cache && isJsonExact(result.data)) cache.put("estate", digest, { parsed: result.data });
      parsed = result.success ? result.data : salvageEstateFile(fresh.data, invalidIds);
    }
    for (const list of ["organisations", "sites", "networks", "hosts", "applications", "datasets"] as const) {
      const items = parsed[list];
      if (!items) continue;
      const into = estate[list] as object[];
      // A loop, not push(...items): spreading 100k+ entries overflows the call stack.
      for (const item of items) into.push(item);
    }
    placed.push({ source: doc.source, parsed });
    if (parsed.calendar) {
      if (calendarSource) {
        const pos = positionOf(doc.source, ["calendar"], { key: true });
        diagnostics.push({ file, ...pos, code: "duplicate-calendar", severity: "error", message: `calendar is already defined in ${calendarSource.file}; keep one calendar per estate` });
      } else {
        estate.calendar = parsed.calendar;
        calendarSource = doc.source;
      }
    }
    if (parsed.changeControl) estate.changeControl = parsed.changeControl;
  }

  const runbooks = new Map<string, LoadedRunbook>();
  const runbookSources = new Map<string, { source: YamlSource }>();
  for await (const { file, text, reread } of read("runbooks")) {
    const doc = parseDocumentOf(file, text(), "Runbook", diagnostics, reread);
    if (!doc) continue;
    const result = Runbook.safeParse(doc.data);
    if (!result.success) {
      diagnostics.push(...issuesToDiagnostics(result.error.issues, doc.source, doc.data));
      continue;
    }
    const runbook = result.data;
    const previous = runbooks.get(runbook.name);
    if (previous) {
      const pos = positionOf(doc.source, ["name"]);
      diagnostics.push({ file, ...pos, code: "duplicate-id", severity: "error", message: `runbook name \`${runbook.name}\` is also used by ${previous.file}` });
      continue;
    }
    runbooks.set(runbook.name, { runbook, file, digest: digestOf.get(file)! });
    runbookSources.set(runbook.name, { source: doc.source });
    diagnostics.push(...undeclaredEnv(runbook, doc.data, doc.source, file));
  }

  const stacks = new Map<string, LoadedStack>();
  const stackSources = new Map<string, YamlSource>();
  for await (const { file, text, reread } of read("stacks")) {
    const m = /^stacks\/Pulumi\.([A-Za-z0-9_.-]+)\.ya?ml$/.exec(file);
    if (!m) {
      diagnostics.push({ file, line: 1, column: 1, code: "invalid-value", severity: "error", message: "stack files are named Pulumi.<environment>.yaml (Pulumi's stack config convention)" });
      continue;
    }
    const parsed = parseYaml(file, text(), { reread });
    diagnostics.push(...parsed.diagnostics);
    if (!parsed.source || parsed.data === undefined) continue;
    const outer = StackFile.safeParse(parsed.data);
    if (!outer.success) {
      diagnostics.push(...issuesToDiagnostics(outer.error.issues, parsed.source, parsed.data));
      continue;
    }
    const target: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(outer.data.config)) {
      if (!key.startsWith("ferry:")) continue;
      const name = key.slice("ferry:".length);
      // Pulumi-encrypted secrets (`ferry:vpnSharedKey: { secure: v1:… }`) are read by the stacks program, not the target.
      if (value !== null && typeof value === "object" && Object.keys(value).length === 1 && "secure" in value) continue;
      if (!(STACK_KEYS as readonly string[]).includes(name)) {
        const pos = positionOf(parsed.source, ["config", key], { key: true });
        diagnostics.push({ file, ...pos, code: "unknown-key", severity: "error", message: `config.${key}: unknown ferry key (known: ${STACK_KEYS.map((k) => `ferry:${k}`).join(", ")})` });
        continue;
      }
      target[name] = value;
    }
    const result = StackTarget.safeParse(target);
    if (!result.success) {
      const mapPath = (p: readonly PathSegment[]): PathSegment[] => (p.length === 0 ? ["config"] : ["config", `ferry:${p[0]}`, ...p.slice(1)]);
      diagnostics.push(...issuesToDiagnostics(result.error.issues, parsed.source, { config: Object.fromEntries(Object.entries(target).map(([k, v]) => [`ferry:${k}`, v])) }, mapPath));
      continue;
    }
    stacks.set(m[1]!, { name: m[1]!, target: result.data, file, digest: digestOf.get(file)! });
    stackSources.set(m[1]!, parsed.source);
  }

  opts.progress?.({ checking: true });
  // The project-wide checks depend on nothing but the files' contents: when none changed, their findings stand.
  const key = cache ? checksKey(files, folders) : undefined;
  const recorded = key === undefined ? undefined : (cache!.get("checks", key) as { findings?: unknown; refs?: unknown } | undefined);
  let found = asDiagnostics(recorded?.findings);
  let refs = found ? refsFromJson(recorded?.refs, estate) : undefined;
  // validate's recorded verdict for these same files (model/verdict.ts) stays current too.
  if (key !== undefined) cache!.keep("verdict", key);
  if (!found || !refs) {
    const origins: Origins = new Map();
    for (const { source, parsed } of placed) {
      for (const list of ["organisations", "sites", "networks", "hosts", "applications", "datasets"] as const) {
        parsed[list]?.forEach((item, i) => origins.set(item, { source, path: [list, i] }));
      }
      if (parsed.calendar && parsed.calendar === estate.calendar) origins.set(parsed.calendar, { source, path: ["calendar"] });
    }
    found = checkEstate(estate, origins, { runbooks, folders, invalidIds, refs: (r) => (refs = r) }).filter((d) => !unreadEstate || d.code !== "unknown-reference");
    for (const d of checkRunbooks(runbooks, runbookSources)) found.push(d);
    for (const d of checkStacks(stacks, stackSources, estate, folders)) found.push(d);
    for (const [name, { target }] of stacks) for (const d of checkStackTarget(target, stackSources.get(name)!, folders.estate ? estate : undefined)) found.push(d);
    if (key !== undefined && refs && isJsonExact(found)) cache!.put("checks", key, { findings: found, refs: refsToJson(refs) });
  }
  for (const d of found) diagnostics.push(d);

  return { dir, estate, runbooks, stacks, files, folders, diagnostics: sortDiagnostics(diagnostics), ...(refs ? { refs } : {}) };
}


const ITEM_SCHEMAS = { organisations: Organisation, sites: Site, networks: Network, hosts: Host, applications: Application, datasets: Dataset } as const;

/**
 * Keep the valid entries of an estate file that failed its schema, so one bad field does not
 * hide every reference problem in the rest of the file. Ids of the invalid entries go into
 * `invalidIds`: references to them are not reported again as dangling.
 */
function salvageEstateFile(data: unknown, invalidIds: Set<string>): Partial<EstateFile> {
  const doc = data as Record<string, unknown>;
  const out: Record<string, unknown[]> = {};
  for (const [list, schema] of Object.entries(ITEM_SCHEMAS)) {
    const items = doc[list];
    if (!Array.isArray(items)) continue;
    out[list] = [];
    for (const item of items) {
      const r = schema.safeParse(item);
      if (r.success) out[list].push(r.data);
      else if (typeof (item as { id?: unknown } | null)?.id === "string") invalidIds.add((item as { id: string }).id);
    }
  }
  const calendar = Calendar.safeParse(doc.calendar);
  const changeControl = ChangeControl.safeParse(doc.changeControl);
  return { ...(out as Partial<EstateFile>), ...(calendar.success ? { calendar: calendar.data } : {}), ...(changeControl.success ? { changeControl: changeControl.data } : {}) };
}

/** Throw an InputError carrying every error when the project has any; warnings pass. */
export function assertValid(project: Project): void {
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new InputError(project.diagnostics);
}
