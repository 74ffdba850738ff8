import { statSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir, openDocumentCache, type FileDocumentCache } from "../../journal/document-cache.js";
import { assertValid, loadProject, type LoadProgress, type Project } from "../../model/load.js";
import { VERSION } from "../version.js";
import { statusLine, type StatusLine } from "./status-line.js";

/**
 * The cache's notion of "this ferry": the version, and when the installed model code was built,
 * so a rebuilt or reinstalled ferry never reuses what an older build checked.
 */
function cacheVersion(): string {
  try {
    const here = fileURLToPath(import.meta.url);
    return `${VERSION}+${statSync(fileURLToPath(new URL(`../../model/load${extname(here)}`, import.meta.url))).mtimeMs}`;
  } catch {
    return VERSION;
  }
}

/** Whether commands may use .ferry/cache: not with --no-cache, nor with FERRY_CACHE=off (or 0, false, no). */
export function cacheEnabled(opts: { cache?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): boolean {
  return opts.cache !== false && !/^(off|0|false|no)$/i.test(env.FERRY_CACHE ?? "");
}

/** The project's document cache (`.ferry/cache/`), or undefined when it is turned off. */
export function projectCache(dir: string, opts: { cache?: boolean } = {}): FileDocumentCache | undefined {
  return cacheEnabled(opts) ? openDocumentCache(cacheDir(dir), cacheVersion()) : undefined;
}

/** Load progress shown on a status line: each file as it is read, then the cross-checks. */
export function progressOn(status: StatusLine): LoadProgress {
  return (p) => ("checking" in p ? status.update("checking references and networks…", true) : status.update(`reading ${p.file} (${p.index + 1}/${p.total})`));
}

/**
 * Load the project for a command, with a status line on a terminal while files are read and
 * checked, through the project's document cache (`.ferry/cache/`) unless it is turned off: every
 * command that reads the estate reuses what an earlier one checked, and the answer is the same
 * either way (model/cache.ts). Pass `line` to keep the status line for the command's next step
 * (then the caller calls `done()`).
 */
export async function loadProjectForCommand(dir: string, line?: StatusLine, opts: { cache?: boolean } = {}): Promise<Project> {
  const status = line ?? statusLine();
  const cache = projectCache(dir, opts);
  try {
    return await loadProject(dir, { ...(cache ? { cache } : {}), progress: progressOn(status) });
  } finally {
    if (!line) status.done();
    await cache?.flush();
  }
}

/** {@link loadProjectForCommand}, then refuse invalid input (InputError: exit 2 with `file:line:col`). */
export async function loadValidProject(dir: string, line?: StatusLine): Promise<Project> {
  const project = await loadProjectForCommand(dir, line);
  assertValid(project);
  return project;
}
