/**
 * Worksheets of an `.xlsx` export (RVTools, Azure Migrate's "Export" workbook), read with
 * exceljs. Only the sheets an import uses become tables. exceljs's streaming reader would use
 * less memory, but it drops worksheets at random when `xl/workbook.xml` comes last in the
 * archive (as exceljs's own writer and some other tools place it), so the whole-file reader is
 * used: a wrong import is worse than a slower one.
 */
import ExcelJS from "exceljs";
import { InputError } from "../model/diagnostics.js";
import type { Row, Table } from "./table.js";

/** Text of a cell value as a person sees it (rich text joined, formulas by their result). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") return value ? "True" : "False";
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if (typeof value === "object") {
    const v = value as { richText?: { text: string }[]; text?: unknown; result?: unknown; error?: string };
    if (v.richText) return v.richText.map((r) => r.text).join("");
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
    if (v.error) return "";
  }
  return String(value);
}

/**
 * Read the named sheets of a workbook (names compared without case) into tables, header in row 1.
 * Sheets absent from the workbook are absent from the map; the caller decides whether that is
 * an error. A file that is not a workbook is `import-unreadable`.
 */
export async function readSheets(path: string, wanted: readonly string[] | "first", file = path): Promise<Map<string, Table>> {
  const want = new Map(wanted === "first" ? [] : wanted.map((w) => [w.toLowerCase(), w]));
  const out = new Map<string, Table>();
  try {
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(path);
    for (const sheet of workbook.worksheets) {
      const name = wanted === "first" ? (out.size === 0 ? sheet.name : undefined) : want.get(sheet.name.toLowerCase());
      if (!name) continue;
      let headers: string[] | undefined;
      let headerLine = 1;
      const rows: Row[] = [];
      sheet.eachRow({ includeEmpty: false }, (row, number) => {
        const raw = row.values as unknown[];
        const values: string[] = [];
        // exceljs rows are 1-based and sparse.
        for (let i = 1; i < raw.length; i++) values.push(cellText(raw[i]));
        if (values.every((v) => v.trim() === "")) return;
        if (!headers) {
          headers = values.map((h) => h.trim());
          headerLine = number;
          return;
        }
        rows.push({ line: number, values });
      });
      out.set(name, { file, sheet: name, headers: headers ?? [], headerLine, rows });
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw err;
    throw new InputError([{ file, line: 1, column: 1, code: "import-unreadable", severity: "error", message: `not a readable .xlsx workbook (${err instanceof Error ? err.message : String(err)}); save the export as Excel Workbook (.xlsx)` }]);
  }
  return out;
}

/** The first worksheet of a workbook (Azure Migrate's and ServiceNow's Excel exports). */
export async function readFirstSheet(path: string, file = path): Promise<Table> {
  const sheets = await readSheets(path, "first", file);
  const first = [...sheets.values()][0];
  if (!first) throw new InputError([{ file, line: 1, column: 1, code: "import-unreadable", severity: "error", message: "the workbook has no worksheet" }]);
  return first;
}

/** Whether a file looks like a workbook (a zip archive) rather than text. */
export function isWorkbook(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b;
}
