/**
 * CSV exports as Windows tools write them: UTF-8 with or without a BOM, UTF-16 from PowerShell
 * (`Export-Csv -Encoding Unicode`, `Out-File`), Windows-1252 from Excel's "CSV" on a UK desktop,
 * comma or semicolon separated (Excel on EU locales; `sep=;` hints), PowerShell 5's
 * `#TYPE …` first line, quoted fields with embedded line breaks. csv-parse does the parsing;
 * this module only finds the text and the separator.
 */
import { readFile } from "node:fs/promises";
import { parse, CsvError } from "csv-parse/sync";
import { InputError } from "../model/diagnostics.js";
import type { Row, Table } from "./table.js";

/** Decode an export's bytes, choosing the encoding from its BOM, or from its bytes when it has none. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder("utf-8").decode(bytes.subarray(3)), encoding: "utf-8" };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder("utf-16le").decode(bytes.subarray(2)), encoding: "utf-16le" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder("utf-16be").decode(bytes.subarray(2)), encoding: "utf-16be" };
  // UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte.
  const sample = bytes.subarray(0, 1024);
  let oddNul = 0;
  let evenNul = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2) oddNul++;
    else evenNul++;
  }
  if (sample.length >= 4 && oddNul > sample.length / 4) return { text: new TextDecoder("utf-16le").decode(bytes), encoding: "utf-16le" };
  if (sample.length >= 4 && evenNul > sample.length / 4) return { text: new TextDecoder("utf-16be").decode(bytes), encoding: "utf-16be" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    // Not UTF-8: Excel's plain "CSV" on a UK Windows desktop writes Windows-1252 (£, é, smart quotes).
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
  }
}

/** The separator of the header line: the most frequent of `,` `;` tab outside quotes (`,` on a tie). */
export function sniffDelimiter(headerLine: string): string {
  const counts = new Map<string, number>([[",", 0], [";", 0], ["\t", 0]]);
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ",";
  for (const [d, n] of counts) if (n > counts.get(best)!) best = d;
  return best;
}

/** Parse CSV text into a table; `file` names it in messages. Malformed quoting is an error naming the line. */
export function parseCsv(text: string, file: string): Table {
  let offset = 0;
  let delimiter: string | undefined;
  // Preamble lines a person never typed: PowerShell 5's `#TYPE Namespace.Class` and Excel's `sep=;`.
  for (;;) {
    const end = text.indexOf("\n");
    const first = (end < 0 ? text : text.slice(0, end)).replace(/\r$/, "");
    const sep = /^"?sep=(.)"?$/i.exec(first);
    if (/^#TYPE /.test(first) || sep) {
      if (sep) delimiter = sep[1];
      text = end < 0 ? "" : text.slice(end + 1);
      offset++;
      continue;
    }
    break;
  }
  const headerEnd = text.search(/\r?\n/);
  delimiter ??= sniffDelimiter(headerEnd < 0 ? text : text.slice(0, headerEnd));
  let parsed: { record: string[]; raw: string }[];
  try {
    parsed = parse(text, { delimiter, bom: true, relax_column_count: true, raw: true }) as unknown as { record: string[]; raw: string }[];
  } catch (err) {
    const line = err instanceof CsvError && typeof (err as { lines?: number }).lines === "number" ? (err as unknown as { lines: number }).lines + offset : 1;
    throw new InputError([{ file, line, column: 1, code: "import-unreadable", severity: "error", message: `not a readable CSV file: ${err instanceof Error ? err.message : String(err)}` }]);
  }
  // Line numbers are counted from the raw text of each record (csv-parse's own count is off for
  // CRLF inside quoted fields): a person looks for the line a record starts on.
  const records: Row[] = [];
  let line = 1 + offset;
  for (const r of parsed) {
    if (!(r.record.length === 1 && r.record[0]!.trim() === "")) records.push({ line, values: r.record });
    line += r.raw.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  if (records.length === 0) {
    throw new InputError([{ file, line: 1, column: 1, code: "import-unreadable", severity: "error", message: "the file is empty: an export has at least a header line" }]);
  }
  const [head, ...rows] = records;
  return { file, headers: head!.values.map((h) => h.trim()), headerLine: head!.line, rows };
}

/** Read and parse a CSV export. */
export async function readCsv(path: string, file = path): Promise<Table> {
  const bytes = await readFile(path);
  return parseCsv(decodeText(bytes).text, file);
}
