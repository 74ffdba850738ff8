import { assertValid, loadProject, type Project } from "../../src/model/load.js";
import type { Plan } from "../../src/model/plan.js";
import { planWaves } from "../../src/planner/index.js";
import { renderPack, type ReportInputs } from "../../src/report/index.js";
import { REPO_ROOT } from "../planner/repo-copy.js";

/** The bundled example planned and rendered, as `ferry plan` + `ferry report` would. */
export async function examplePack(extra: Partial<ReportInputs> = {}): Promise<{ project: Project; plan: Plan; files: ReturnType<typeof renderPack> }> {
  const project = await loadProject(REPO_ROOT);
  assertValid(project);
  const plan = planWaves(project);
  return { project, plan, files: renderPack({ plan, estate: project.estate, runbooks: project.runbooks, drift: [], ...extra }) };
}

/** A minimal RFC 4180 parser, written for the tests (quoted fields, doubled quotes, CRLF rows). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}
