import { describe, expect, it } from "vitest";
import { decodeText, parseCsv, sniffDelimiter } from "../../src/import/csv.js";
import { InputError } from "../../src/model/diagnostics.js";
import { utf16, utf8Bom } from "./fixtures.js";

describe("reading CSV exports", () => {
  it("decodes UTF-16LE with a BOM, as PowerShell's Export-Csv -Encoding Unicode writes", () => {
    expect(decodeText(utf16("Name,IP\r\nsrv,10.1.1.1\r\n"))).toEqual({ text: "Name,IP\r\nsrv,10.1.1.1\r\n", encoding: "utf-16le" });
  });

  it("decodes UTF-16LE without a BOM by its NUL bytes", () => {
    expect(decodeText(Buffer.from("Name,IP\r\nsrv,10.1.1.1\r\n", "utf16le")).encoding).toBe("utf-16le");
  });

  it("drops a UTF-8 BOM and falls back to Windows-1252 for Excel's plain CSV", () => {
    expect(decodeText(utf8Bom("Name\r\n")).text).toBe("Name\r\n");
    expect(decodeText(Buffer.from([0x43, 0x6f, 0x73, 0x74, 0x0d, 0x0a, 0xa3, 0x35])).text).toBe("Cost\r\n£5");
  });

  it("takes the separator from the header line, ignoring separators inside quotes", () => {
    expect(sniffDelimiter('"Name, full";IP;OS')).toBe(";");
    expect(sniffDelimiter("Name,IP,OS")).toBe(",");
    expect(sniffDelimiter("Name\tIP\tOS")).toBe("\t");
  });

  it("skips PowerShell's #TYPE line and Excel's sep= line, and numbers rows by the line they start on", () => {
    const t = parseCsv('#TYPE Citrix.Broker.Admin.SDK.Application\r\nsep=;\r\n"A";"B"\r\n"x";"two\r\nlines; with a separator"\r\n\r\n"y";"say ""hi"""\r\n', "apps.csv");
    expect(t.headers).toEqual(["A", "B"]);
    expect(t.headerLine).toBe(3);
    expect(t.rows).toEqual([
      { line: 4, values: ["x", "two\r\nlines; with a separator"] },
      { line: 7, values: ["y", 'say "hi"'] },
    ]);
  });

  it("reports broken quoting as an unreadable file, naming the file", () => {
    let err: unknown;
    try {
      parseCsv('A,B\r\nx,"unterminated\r\n', "broken.csv");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).diagnostics[0]).toMatchObject({ file: "broken.csv", code: "import-unreadable" });
  });
});
