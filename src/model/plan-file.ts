import { readFile } from "node:fs/promises";
import { UsageError } from "./diagnostics.js";
import { Plan } from "./plan.js";
import { positionOf, YamlSource } from "./yaml-source.js";

/** A plan read from disk: the raw object (what the hash covers) and its checked view. */
export interface LoadedPlan {
  raw: Record<string, unknown>;
  plan: Plan;
}

/**
 * Parse a plan file's text and check its shape: the one place a plan is parsed. The raw object
 * is kept: the hash must be verified over exactly what was written, not over a re-serialised
 * copy. Throws a UsageError (`plan-invalid`) naming `file:line:col` of what is wrong.
 */
export function parsePlan(text: string, file: string): LoadedPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.replace(/ \(line \d+ column \d+\)$/, "");
    const at = /at position (\d+)/.exec(message);
    const where = at ? `:${lineColumn(text, Number(at[1]))}` : "";
    throw new UsageError(`${file}${where}: not valid JSON: ${message}`, "plan-invalid", REGENERATE);
  }
  const parsed = Plan.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    // Plans are read without positions (they are large); the one failing field is located by
    // re-reading the text with yaml, which parses JSON too, unless the plan is too big for that
    // to be quick: then the field's path alone says where.
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    const at = text.length <= LOCATE_MAX_CHARS ? positionOf(new YamlSource(file, text), path) : undefined;
    const where = at ? `:${at.line}:${at.column}` : "";
    throw new UsageError(`${file}${where}: not a ferry plan: ${path.join(".") || "(top level)"}: ${issue.message}`, "plan-invalid", REGENERATE);
  }
  return { raw: raw as Record<string, unknown>, plan: parsed.data };
}

/**
 * Read and parse a plan file named on the command line (`--plan F`). A missing file is a
 * UsageError (`file-not-found`); other read errors are thrown as they are.
 */
export async function readPlanFile(file: string): Promise<LoadedPlan> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw new UsageError(`plan file ${file} does not exist`, "file-not-found", "Make one with `ferry plan --out <file>`.");
    throw err;
  }
  return parsePlan(text, file);
}

/** Largest plan text whose failing field is located by line: yaml reads about 2 MB a second. */
const LOCATE_MAX_CHARS = 2 * 1024 * 1024;
const REGENERATE = "Regenerate it with `ferry plan` rather than editing it.";

/** `line:column` (1-based) of a UTF-16 offset into `text`. */
function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf("\n"); i >= 0 && i < offset; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `${line}:${offset - lineStart + 1}`;
}
