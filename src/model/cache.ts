/**
 * What {@link loadProject} may reuse from an earlier run: the schema-checked data of each estate
 * file that loaded cleanly, keyed by the sha256 of its text, and the project-wide checks' findings,
 * keyed by every file's path and digest together. The store that reads and writes them lives in
 * journal/ (model/ only reads the files handed to it); the CLI passes one in. A store may lose,
 * corrupt or refuse anything: a miss only means the work is done again, so the answer is the same
 * with or without it.
 */
import { createHash } from "node:crypto";
import type { Diagnostic } from "./diagnostics.js";

export interface DocumentCache {
  /** The value put for `digest` under `kind` by a compatible ferry, or undefined. */
  get(kind: string, digest: string): unknown;
  /** Remember `value` (plain JSON data) for `digest`; may be written later, or never. */
  put(kind: string, digest: string, value: unknown): void;
  /** {@link put} with the value already as JSON text (`JSON.stringify` of plain JSON data), not made twice. */
  putJson(kind: string, digest: string, json: string): void;
  /** The entry for `digest` is still current though this run did not read it: do not prune it. */
  keep(kind: string, digest: string): void;
}

/** Bumped whenever what is cached, or how it is checked, changes shape. */
export const CACHE_FORMAT = 3;

/** Key of the project-wide checks: every file's path and digest, and which folders exist. */
export function checksKey(files: readonly { path: string; digest: string }[], folders: { estate: boolean; runbooks: boolean; stacks: boolean }): string {
  const h = createHash("sha256").update(`ferry-checks ${CACHE_FORMAT} ${folders.estate ? 1 : 0}${folders.runbooks ? 1 : 0}${folders.stacks ? 1 : 0}\n`);
  for (const f of files) h.update(`${f.path}\0${f.digest}\n`);
  return h.digest("hex");
}

/**
 * Whether `value` comes back from JSON.stringify + JSON.parse exactly as it is: plain objects
 * and arrays of strings, finite numbers (not -0), booleans and null, and no undefined anywhere.
 * A value that would not (YAML's `.inf` in a free-form map, a Date) is simply not cached.
 */
export function isJsonExact(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    switch (typeof v) {
      case "string":
      case "boolean":
        continue;
      case "number":
        if (!Number.isFinite(v) || Object.is(v, -0)) return false;
        continue;
      case "object": {
        if (v === null) continue;
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            if (!(i in v)) return false;
            stack.push(v[i]);
          }
          continue;
        }
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto !== Object.prototype && proto !== null) return false;
        for (const k in v) stack.push((v as Record<string, unknown>)[k]);
        // for…in skips non-enumerable and symbol keys: refuse objects that have any.
        if (Object.getOwnPropertySymbols(v).length > 0) return false;
        continue;
      }
      default:
        return false;
    }
  }
  return true;
}

/** The cached form of a diagnostic list, or undefined when `value` is not one. */
export function asDiagnostics(value: unknown): Diagnostic[] | undefined {
  if (!Array.isArray(value)) return undefined;
  for (const d of value as Record<string, unknown>[]) {
    if (d === null || typeof d !== "object" || typeof d.file !== "string" || typeof d.line !== "number" || typeof d.column !== "number" || typeof d.message !== "string" || typeof d.code !== "string" || (d.severity !== "error" && d.severity !== "warning")) return undefined;
  }
  return value as Diagnostic[];
}
