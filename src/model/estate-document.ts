/**
 * One ferry document's text to checked data: what {@link loadProject} does to each file, and what
 * the estate worker threads do to an estate file (model/estate-worker.ts), so both run exactly
 * the same code.
 */
import { API_VERSION } from "./common.js";
import type { Diagnostic } from "./diagnostics.js";
import { isJsonExact } from "./cache.js";
import type { EstateFile } from "./estate.js";
import { safeParseEstateFile } from "./fast-entries.js";
import { parseYaml, positionOf, type YamlSource } from "./yaml-source.js";

/** Parse a ferry document and check its header; undefined (with diagnostics) when unusable. */
export function parseDocumentOf(file: string, text: string, kind: string, diagnostics: Diagnostic[], reread: () => string): { source: YamlSource; data: unknown } | undefined {
  const parsed = parseYaml(file, text, { reread });
  diagnostics.push(...parsed.diagnostics);
  if (!parsed.source || parsed.diagnostics.length > 0) return undefined;
  const data = parsed.data as Record<string, unknown> | null;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    diagnostics.push({ file, line: 1, column: 1, code: "missing-header", severity: "error", message: `expected a ${kind} document (a map starting with apiVersion: ${API_VERSION} and kind: ${kind})` });
    return undefined;
  }
  if (data.apiVersion !== API_VERSION || data.kind !== kind) {
    const bad = data.apiVersion !== API_VERSION ? "apiVersion" : "kind";
    const pos = positionOf(parsed.source, [bad]);
    const got = data[bad] === undefined ? "it is missing" : `got ${JSON.stringify(data[bad])}`;
    diagnostics.push({ file, ...pos, code: "missing-header", severity: "error", message: `${bad} must be ${bad === "apiVersion" ? API_VERSION : kind} in ${file.split("/")[0]}/ (${got})` });
    return undefined;
  }
  return { source: parsed.source, data };
}

/**
 * The checked data of a clean estate file, or undefined when the file has any problem at all (a
 * syntax error, a wrong header, a schema error). Such a file is then loaded the ordinary way,
 * which reports every problem with its position; this only ever says "clean, and here is its data".
 */
export function cleanEstateData(file: string, text: string): EstateFile | undefined {
  const diagnostics: Diagnostic[] = [];
  const doc = parseDocumentOf(file, text, "Estate", diagnostics, () => text);
  if (!doc || diagnostics.length > 0) return undefined;
  const result = safeParseEstateFile(doc.data);
  return result.success ? result.data : undefined;
}

/**
 * {@link cleanEstateData} as the document cache stores it, JSON text (`{"parsed":…}`), for a
 * worker thread to hand over; undefined also when the data would not survive JSON exactly.
 */
export function cleanEstateJson(file: string, text: string): string | undefined {
  const data = cleanEstateData(file, text);
  return data !== undefined && isJsonExact(data) ? JSON.stringify({ parsed: data }) : undefined;
}
