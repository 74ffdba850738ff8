import { FerryError, type ErrorCode } from "./codes.js";

/** One finding about an input document, pinned to the node that caused it. */
export interface Diagnostic {
  /** Path relative to the project directory, with forward slashes. */
  file: string;
  /** 1-based line and column of the offending node. */
  line: number;
  column: number;
  message: string;
  code: ErrorCode;
  severity: "error" | "warning";
}

/** `file:line:col: message [code]`, warnings marked, as compilers print them. */
export function formatDiagnostic(d: Diagnostic): string {
  const kind = d.severity === "warning" ? "warning: " : "";
  return `${d.file}:${d.line}:${d.column}: ${kind}${d.message} [${d.code}]`;
}

/** Stable order: file, line, column, then message, so output diffs cleanly. */
export function sortDiagnostics(list: Diagnostic[]): Diagnostic[] {
  return [...list].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.line - b.line ||
      a.column - b.column ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}

/** Bad input: carries every diagnostic so the CLI prints them all and exits 2. */
export class InputError extends FerryError {
  override name = "InputError";
  constructor(
    readonly diagnostics: Diagnostic[],
    summary?: string,
  ) {
    super("input-invalid", summary ?? diagnostics.map(formatDiagnostic).join("\n"));
  }
}

/** A usage or environment problem the operator can fix (missing file, bad flag value). */
export class UsageError extends FerryError {
  override name = "UsageError";
  constructor(message: string, code: ErrorCode = "usage", hint?: string) {
    super(code, message, hint);
  }
}
