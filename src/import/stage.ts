/**
 * Check the estate an import would leave before writing any of it, then write it whole: each
 * file goes to a temporary name beside it, is synced, and is renamed over the old one only
 * after every temporary file is written, so a failure part-way leaves the old files in place.
 */
import { mkdir, mkdtemp, open, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import type { Diagnostic } from "../model/diagnostics.js";
import { loadProject } from "../model/load.js";

/** The errors `ferry validate` would report on the project with `files` (relative path → text) replacing the estate. */
export async function validateStaged(dir: string, estate: Map<string, string>): Promise<Diagnostic[]> {
  const stage = await mkdtemp(join(tmpdir(), "ferry-import-"));
  try {
    await mkdir(join(stage, "estate"));
    for (const [file, text] of estate) await writeFile(join(stage, file), text);
    for (const folder of ["runbooks", "stacks"]) {
      if (await stat(join(dir, folder)).catch(() => undefined)) await symlink(resolve(dir, folder), join(stage, folder), "dir");
    }
    const project = await loadProject(stage);
    return project.diagnostics.filter((d) => d.severity === "error");
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** Write every file (absolute path → text) through a temporary file and a rename; all temporaries first. */
export async function writeAll(files: Map<string, string>): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [path, text] of files) {
      await mkdir(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.tmp`;
      temps.push([tmp, path]);
      const fh = await open(tmp, "w");
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    for (const [tmp, path] of temps) await rename(tmp, path);
  } catch (err) {
    for (const [tmp] of temps) await rm(tmp, { force: true }).catch(() => undefined);
    throw err;
  }
  for (const folder of new Set([...files.keys()].map((p) => dirname(p)))) {
    const fh = await open(folder, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
