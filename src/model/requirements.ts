/**
 * What a runbook needs from the operator's machine: environment variables and tools, each with
 * what it is for. Declared in the runbook (`requires:`), so `ferry validate` can hold every
 * `{{ env.X }}` to the list, and `ferry run` can name everything missing at once, before
 * anything connects, without ever printing the environment itself.
 */
import { z } from "zod";
import type { Diagnostic } from "./diagnostics.js";
import { parseTemplate } from "./template.js";
import { positionOf, type PathSegment, type YamlSource } from "./yaml-source.js";

const EnvName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, _)");
const ToolName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must be a command name as found on PATH (e.g. nsupdate)");

/** One requirement: a name, or a name with what it is for (shown to the operator). */
const requirement = <T extends z.ZodString>(name: T) => z.union([name, z.strictObject({ name, for: z.string().min(1) })]);

export const Requires = z.strictObject({
  /** Environment variables the operator exports: every `{{ env.X }}`, and any a command reads itself. */
  env: z.array(requirement(EnvName)).default([]),
  /** Commands the operator's machine must have on PATH (for `local` steps). */
  tools: z.array(requirement(ToolName)).default([]),
});
export type Requires = z.infer<typeof Requires>;

/** A requirement with its purpose, however it was written. */
export interface Need {
  name: string;
  for?: string;
}

/** The declared needs as name/purpose pairs. */
export function needsOf(requires: Requires | undefined): { env: Need[]; tools: Need[] } {
  const norm = (r: string | Need): Need => (typeof r === "string" ? { name: r } : r);
  return { env: (requires?.env ?? []).map(norm), tools: (requires?.tools ?? []).map(norm) };
}

/**
 * Every `{{ env.X }}` in a runbook's strings whose X `requires.env` does not declare, at the
 * string's position: an operator must be able to read what to provide from the runbook alone.
 */
export function undeclaredEnv(runbook: { requires?: Requires }, doc: unknown, source: YamlSource, file: string): Diagnostic[] {
  const declared = new Set(needsOf(runbook.requires).env.map((n) => n.name));
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const visit = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === "string") {
      if (!value.includes("{{")) return;
      let parts;
      try {
        parts = parseTemplate(value);
      } catch {
        return; // a syntax error is reported by the template checks
      }
      for (const p of parts) {
        if (p.kind !== "ref" || p.path[0] !== "env" || p.path.length !== 2) continue;
        const name = p.path[1]!;
        if (declared.has(name) || seen.has(name)) continue;
        seen.add(name);
        out.push({
          file,
          ...positionOf(source, path),
          code: "requirement-undeclared",
          severity: "error",
          message: `\`{{ env.${name} }}\` reads ${name}, which \`requires.env\` does not declare: add it (with what it is for) so operators know to provide it`,
        });
      }
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) if (k !== "requires") visit(v, [...path, k]);
  };
  visit(doc, []);
  return out;
}
