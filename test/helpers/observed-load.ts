import { formatDiagnostic } from "../../src/model/diagnostics.js";
import type { Project } from "../../src/model/load.js";
import { refsToJson } from "../../src/model/refs.js";

/**
 * Everything a caller sees of a load: printed diagnostics, the estate, runbooks and stacks,
 * files, and the links and hosts resolved to positions (the planner follows these). Two loads that
 * must be the same (from the cache or not, with worker threads or not) compare equal on this.
 */
export function observedLoad(p: Project): unknown {
  return {
    diagnostics: p.diagnostics.map(formatDiagnostic),
    estate: JSON.stringify(p.estate),
    runbooks: JSON.stringify([...p.runbooks]),
    stacks: JSON.stringify([...p.stacks]),
    files: p.files,
    folders: p.folders,
    refs: p.refs ? refsToJson(p.refs) : undefined,
  };
}
