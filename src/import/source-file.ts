/** Open one export whatever its container: a workbook's first sheet, or a CSV in any of the encodings Windows tools write. */
import { open } from "node:fs/promises";
import { UsageError } from "../model/diagnostics.js";
import { readCsv } from "./csv.js";
import type { InputFile } from "./proposal.js";
import type { Table } from "./table.js";
import { isWorkbook, readFirstSheet } from "./xlsx.js";

/** Read an export file as a table; a missing file is a usage error naming it. */
export async function readTable(input: InputFile): Promise<Table> {
  let head: Uint8Array;
  try {
    const fh = await open(input.path, "r");
    try {
      head = new Uint8Array(4);
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    throw new UsageError(`cannot read ${input.name}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, "file-not-found");
  }
  return isWorkbook(head) ? readFirstSheet(input.path, input.name) : readCsv(input.path, input.name);
}
