/**
 * The one shape every export is read into, whatever it came from (CSV, UTF-16 CSV, a sheet of a
 * workbook): header names and rows of text, each row carrying the number a person finds it by
 * (the CSV line where the record starts, or the worksheet row). Columns are found by name,
 * never by position: exports add, drop and reorder columns between versions.
 */
import type { Diagnostic } from "../model/diagnostics.js";
import { InputError } from "../model/diagnostics.js";

export interface Row {
  /** CSV: the line the record starts on (1-based); workbook: the worksheet row number. */
  line: number;
  values: string[];
}

export interface Table {
  /** The file as the operator named it. */
  file: string;
  /** The worksheet, for workbooks. */
  sheet?: string;
  headers: string[];
  /** Line or row of the header, for "missing column" positions. */
  headerLine: number;
  rows: Row[];
}

/** A column to find: its name in the export, other spellings seen in the wild, whether the import needs it. */
export interface ColumnSpec {
  name: string;
  aliases?: readonly string[];
  required?: boolean;
}

/** Where a table sits, for messages: `file` or `file#Sheet`. */
export function where(table: Pick<Table, "file" | "sheet">): string {
  return table.sheet ? `${table.file}#${table.sheet}` : table.file;
}

const norm = (s: string): string => s.replace(/^\uFEFF/, "").trim().replace(/\s+/g, " ").toLowerCase();

/**
 * Index of each wanted column (-1 for an optional column that is absent). Every missing required
 * column is reported at once, naming the column, the file and the sheet, so a wrong export is
 * fixed in one round trip.
 */
export function findColumns<K extends string>(table: Table, spec: Record<K, ColumnSpec>, what: string): Record<K, number> {
  const index = new Map<string, number>();
  table.headers.forEach((h, i) => {
    const key = norm(h);
    if (key && !index.has(key)) index.set(key, i);
  });
  const out = {} as Record<K, number>;
  const missing: Diagnostic[] = [];
  for (const key of Object.keys(spec) as K[]) {
    const c = spec[key];
    const found = [c.name, ...(c.aliases ?? [])].map((n) => index.get(norm(n))).find((i) => i !== undefined);
    out[key] = found ?? -1;
    if (found === undefined && c.required) {
      const also = c.aliases?.length ? ` (or ${c.aliases.map((a) => `"${a}"`).join(", ")})` : "";
      missing.push({
        file: where(table),
        line: table.headerLine,
        column: 1,
        code: "import-missing-column",
        severity: "error",
        message: `${what} needs the column "${c.name}"${also}, which this file does not have; its columns are: ${table.headers.filter(Boolean).slice(0, 12).join(", ")}${table.headers.length > 12 ? ", …" : ""}`,
      });
    }
  }
  if (missing.length > 0) throw new InputError(missing);
  return out;
}

/** The trimmed text of a cell, or "" when the column is absent or the row short. */
export function cell(row: Row, column: number): string {
  return column < 0 ? "" : (row.values[column] ?? "").trim();
}

/** A warning for a row that is skipped or partly used; the rest of the file still imports. */
export function rowWarning(table: Table, row: Row, column: number, message: string): Diagnostic {
  return { file: where(table), line: row.line, column: column < 0 ? 1 : column + 1, code: "import-bad-row", severity: "warning", message };
}
