import { assertValid, loadProject, type Project } from "../../model/load.js";
import { statusLine, type StatusLine } from "./status-line.js";

/**
 * Load the project for a command, with a status line on a terminal while files are read and
 * checked. Pass `line` to keep it for the command's next step (then the caller calls `done()`).
 */
export async function loadProjectForCommand(dir: string, line?: StatusLine): Promise<Project> {
  const status = line ?? statusLine();
  try {
    return await loadProject(dir, {
      progress: (p) => ("checking" in p ? status.update("checking references and networks…", true) : status.update(`reading ${p.file} (${p.index + 1}/${p.total})`)),
    });
  } finally {
    if (!line) status.done();
  }
}

/** {@link loadProjectForCommand}, then refuse invalid input (InputError: exit 2 with `file:line:col`). */
export async function loadValidProject(dir: string, line?: StatusLine): Promise<Project> {
  const project = await loadProjectForCommand(dir, line);
  assertValid(project);
  return project;
}
