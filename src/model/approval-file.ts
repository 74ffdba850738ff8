import { readFile } from "node:fs/promises";
import { Approval } from "./approval.js";
import { API_VERSION } from "./common.js";
import { InputError, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { issuesToDiagnostics } from "./schema-issues.js";
import { parseYaml, positionOf } from "./yaml-source.js";

/** What to do about any approval that does not read: `ferry approve` writes them. */
const RECREATE = "re-create it with `ferry approve --force` rather than editing it";

/**
 * Parse an approval file's text: the one place an approval is parsed. YAML syntax errors,
 * duplicate keys and schema failures (missing field, wrong type, unknown key) throw an
 * InputError whose diagnostics have code `approval-invalid`, each at the offending node's
 * `line:col` in `file` (the path as the caller shows it, relative to the project).
 */
export function parseApproval(text: string, file: string): Approval {
  const parsed = parseYaml(file, text);
  if (parsed.diagnostics.length > 0 || !parsed.source) {
    throw invalid(parsed.diagnostics.map((d) => ({ ...d, message: `not valid YAML: ${d.message}` })));
  }
  const { source, data } = parsed;
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    const got = data == null ? "an empty document" : Array.isArray(data) ? "a list" : JSON.stringify(typeof data === "string" && data.length > 60 ? `${data.slice(0, 57)}...` : data);
    throw invalid([
      {
        file,
        ...positionOf(source, []),
        code: "approval-invalid",
        severity: "error",
        message: `not a valid approval: expected a map with apiVersion: ${API_VERSION}, kind: Approval, plan, wave, approvedBy, changeRef and approvedAt, got ${got}`,
      },
    ]);
  }
  const result = Approval.safeParse(data);
  if (!result.success) {
    throw invalid(issuesToDiagnostics(result.error.issues, source, data).map((d) => ({ ...d, message: `not a valid approval: ${d.message}` })));
  }
  return result.data;
}

/**
 * Read and parse the approval at `file` (a path as the caller shows it, relative to the
 * project). Undefined when there is no such file; other read errors are thrown as they are;
 * a file that does not parse throws as {@link parseApproval} does.
 */
export async function readApproval(file: string): Promise<Approval | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  return parseApproval(text, file);
}

function invalid(diagnostics: Diagnostic[]): InputError {
  return new InputError(sortDiagnostics(diagnostics.map((d) => ({ ...d, code: "approval-invalid", message: `${d.message}; ${RECREATE}` }))));
}
