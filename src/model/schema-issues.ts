import type { z } from "zod";
import type { Diagnostic } from "./diagnostics.js";
import type { ErrorCode } from "./codes.js";
import { positionOf, type PathSegment, type YamlSource } from "./yaml-source.js";
import { nearMiss } from "./near-miss.js";

/** `applications[3].criticality` for messages: how a reader finds the field in the file. */
export function describePath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) out += typeof seg === "number" ? `[${seg}]` : out === "" ? seg : `.${seg}`;
  return out;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

function shown(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "a map";
  return String(v);
}

/**
 * Turn zod issues into positioned diagnostics with plain-language messages: which field, what
 * was wrong, what was received. `pathPrefix` maps schema paths into the file (stack targets
 * live under `config.ferry:<key>`).
 */
export function issuesToDiagnostics(
  issues: readonly z.core.$ZodIssue[],
  source: YamlSource,
  data: unknown,
  mapPath: (path: readonly PathSegment[]) => PathSegment[] = (p) => [...p],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const typos = typoFixes(issues, data, mapPath);
  for (const issue of issues) {
    const path = issue.path.filter((s): s is PathSegment => typeof s !== "symbol");
    // A field missing only because its key is misspelt is reported once, at the misspelling.
    if (typos.fixed.has(describePath(mapPath(path)))) continue;
    const filePath = mapPath(path);
    const push = (code: ErrorCode, message: string, at: readonly PathSegment[], key = false) => {
      const pos = positionOf(source, at, { key });
      out.push({ file: source.file, ...pos, message, code, severity: "error" });
    };
    const where = describePath(filePath);
    const field = where ? `${where}: ` : "";
    switch (issue.code) {
      case "unrecognized_keys":
        for (const key of issue.keys) {
          const keyPath = [...filePath, key];
          const meant = typos.meant.get(describePath(keyPath));
          push(
            "unknown-key",
            meant ? `${describePath(keyPath)}: unknown key \`${key}\`, did you mean \`${meant}\`?` : `${describePath(keyPath)}: unknown key \`${key}\` (check the spelling; unknown keys are errors)`,
            keyPath,
            true,
          );
        }
        break;
      case "invalid_type": {
        const received = valueAt(data, filePath);
        if (received === undefined) push("missing-field", `${field}required field is missing (expected ${issue.expected})`, filePath);
        else push("wrong-type", `${field}expected ${issue.expected}, got ${shown(received)}`, filePath);
        break;
      }
      case "invalid_value":
        push(
          "wrong-type",
          `${field}must be ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((v) => String(v)).join(", ")}`}, got ${shown(valueAt(data, filePath))}`,
          filePath,
        );
        break;
      case "invalid_union":
        push("wrong-type", `${field}${unionMessage(issue, data, filePath)}`, filePath);
        break;
      default: {
        const got = valueAt(data, filePath);
        const tail = got !== undefined && typeof got !== "object" ? ` (got ${shown(got)})` : "";
        push("invalid-value", `${field}${issue.message}${tail}`, filePath);
      }
    }
  }
  return out;
}

/**
 * Unknown keys that are typos of a field the same map is missing (`critcality` beside a missing
 * `criticality`): `meant` maps each misspelt key's path to the field, `fixed` holds the missing
 * fields' paths, whose own "required" issue would only repeat the mistake.
 */
function typoFixes(
  issues: readonly z.core.$ZodIssue[],
  data: unknown,
  mapPath: (path: readonly PathSegment[]) => PathSegment[],
): { meant: Map<string, string>; fixed: Set<string> } {
  const missing = new Map<string, string[]>();
  for (const issue of issues) {
    const path = mapPath(issue.path.filter((s): s is PathSegment => typeof s !== "symbol"));
    const name = path[path.length - 1];
    if (typeof name !== "string" || valueAt(data, path) !== undefined) continue;
    const parent = describePath(path.slice(0, -1));
    missing.set(parent, [...(missing.get(parent) ?? []), name]);
  }
  const meant = new Map<string, string>();
  const fixed = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") continue;
    const parentPath = mapPath(issue.path.filter((s): s is PathSegment => typeof s !== "symbol"));
    const candidates = missing.get(describePath(parentPath)) ?? [];
    for (const key of issue.keys) {
      const field = nearMiss(key, candidates);
      if (field === undefined) continue;
      meant.set(describePath([...parentPath, key]), field);
      fixed.add(describePath([...parentPath, field]));
    }
  }
  return { meant, fixed };
}

function unionMessage(issue: z.core.$ZodIssueInvalidUnion, data: unknown, path: readonly PathSegment[]): string {
  // Report the branch that got furthest: the one whose first issue has the longest path.
  const branches = issue.errors.filter((b) => b.length > 0);
  const best = branches.sort((a, b) => b[0]!.path.length - a[0]!.path.length)[0];
  if (best && best[0]!.path.length > 0) return `${best[0]!.message} at ${describePath(best[0]!.path as PathSegment[])}`;
  return `value ${shown(valueAt(data, path))} does not match any allowed form`;
}
