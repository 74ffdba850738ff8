/**
 * What the operator must provide for a wave: the environment variables and tools its runbooks
 * declare under `requires`, and which are missing on this machine. Checked before anything
 * connects, all at once; the environment itself is never listed, only the declared names.
 */
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";
import { FerryError } from "../model/codes.js";
import type { LoadedRunbook } from "../model/load.js";
import { needsOf, type Need } from "../model/requirements.js";

/** One requirement, the runbooks that declare it, and whether this machine meets it. */
export interface Requirement extends Need {
  kind: "env" | "tool";
  runbooks: string[];
  present: boolean;
}

/** Whether `tool` is an executable file in one of PATH's folders. */
function onPath(tool: string, path: string | undefined): boolean {
  return (path ?? "").split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, tool), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The requirements of `runbooks` (by name), merged by name, each checked against `env`. */
export function requirementsOf(runbooks: Iterable<LoadedRunbook>, env: Readonly<Record<string, string | undefined>>): Requirement[] {
  const merged = new Map<string, Requirement>();
  for (const { runbook } of runbooks) {
    const needs = needsOf(runbook.requires);
    for (const [kind, list] of [["env", needs.env], ["tool", needs.tools]] as const) {
      for (const n of list) {
        const key = `${kind}:${n.name}`;
        const r = merged.get(key) ?? { kind, name: n.name, for: n.for, runbooks: [], present: kind === "env" ? Boolean(env[n.name]) : onPath(n.name, env.PATH) };
        r.for ??= n.for;
        if (!r.runbooks.includes(runbook.name)) r.runbooks.push(runbook.name);
        merged.set(key, r);
      }
    }
  }
  return [...merged.values()].sort((a, b) => (a.kind === b.kind ? (a.name < b.name ? -1 : 1) : a.kind === "env" ? -1 : 1));
}

/** Refuse, naming every missing variable and tool at once, when this machine lacks any. */
export function assertRequirementsMet(requirements: readonly Requirement[]): void {
  const missing = requirements.filter((r) => !r.present);
  if (missing.length === 0) return;
  const line = (r: Requirement) => `  ${r.kind === "env" ? "environment variable" : "tool on PATH"} ${r.name}${r.for ? `: ${r.for}` : ""} (runbook ${r.runbooks.join(", ")})`;
  throw new FerryError(
    "requirements-missing",
    `this machine lacks ${missing.length} thing(s) the wave's runbooks need; nothing has connected:\n${missing.map(line).join("\n")}`,
    "Export the variables and install the tools, then run again. `ferry requirements --plan F --wave N` lists everything a wave needs.",
  );
}
