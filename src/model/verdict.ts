/**
 * What `ferry validate` reports about a project: every finding, the counts, the stacks. All of it
 * is a function of the project's files alone (their paths and contents, and which folders exist),
 * so with a cache it is recorded under the digest of every file together, and a project whose
 * files all hash as they did at that run gets the recorded answer without its estate being
 * loaded again. An edit anywhere changes the key, and the project is loaded (each unchanged file
 * from its own cache entry) and checked as usual.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { asDiagnostics, checksKey, isJsonExact, type DocumentCache } from "./cache.js";
import type { Diagnostic } from "./diagnostics.js";
import { digestOfBytes } from "./file-digest.js";
import { FOLDERS, loadProject, projectFiles, type LoadProgress } from "./load.js";
import { countProject, type ProjectCounts } from "./summary.js";

export interface ProjectVerdict {
  /** Every finding, sorted as {@link loadProject} sorts them. */
  diagnostics: Diagnostic[];
  counts: ProjectCounts;
  /** The stack environments that loaded, in file order. */
  stacks: string[];
}

/** The cached form of a verdict, or undefined when `value` is not one. */
function asVerdict(value: unknown): ProjectVerdict | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const diagnostics = asDiagnostics(v.diagnostics);
  const counts = v.counts as ProjectCounts | undefined;
  if (!diagnostics || counts === null || typeof counts !== "object" || typeof counts.applications !== "number" || typeof counts.byDelivery !== "object" || typeof counts.dependencies !== "object") return undefined;
  if (!Array.isArray(v.stacks) || !v.stacks.every((s) => typeof s === "string")) return undefined;
  return { diagnostics, counts, stacks: v.stacks as string[] };
}

/**
 * Check the project under `dir`: {@link loadProject}, then the counts; with a `cache`, the
 * recorded verdict when no file changed since it was recorded. The answer is the same either way.
 */
export async function checkProject(dir: string, opts: { progress?: LoadProgress; cache?: DocumentCache } = {}): Promise<ProjectVerdict> {
  const cache = opts.cache;
  if (cache) {
    const { folders, names } = await projectFiles(dir);
    const files: { path: string; digest: string }[] = [];
    const all = FOLDERS.flatMap((f) => names[f]);
    for (const [index, file] of all.entries()) {
      opts.progress?.({ file, index, total: all.length });
      files.push({ path: file, digest: digestOfBytes(await readFile(join(dir, file))) });
    }
    const key = checksKey(files, folders);
    const recorded = asVerdict(cache.get("verdict", key));
    if (recorded) {
      // Still current: the entries a load of this project would read stay in the cache.
      for (const f of files) if (f.path.startsWith("estate/")) cache.keep("estate", f.digest);
      cache.keep("checks", key);
      return recorded;
    }
  }
  const project = await loadProject(dir, opts);
  const verdict: ProjectVerdict = { diagnostics: project.diagnostics, counts: countProject(project), stacks: [...project.stacks.keys()] };
  // Recorded under the files this load actually read (a file edited meanwhile is simply a miss next time).
  const loadedKey = cache ? checksKey(project.files, project.folders) : undefined;
  if (cache && loadedKey !== undefined && isJsonExact(verdict)) cache.put("verdict", loadedKey, verdict);
  return verdict;
}
