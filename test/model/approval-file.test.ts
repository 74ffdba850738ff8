import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Approval } from "../../src/model/approval.js";
import { parseApproval, readApproval } from "../../src/model/approval-file.js";
import { InputError, type Diagnostic } from "../../src/model/diagnostics.js";

const HASH = `sha256:${"ab".repeat(32)}`;
const FILE = `approvals/${"ab".repeat(32)}-wave-1.yaml`;

/** A valid approval's text, one field a line, with `approvedBy` (line 5) replaced by `line5`. */
function approvalText(line5 = "approvedBy: Ann Smith"): string {
  return [`apiVersion: ferry/v1`, `kind: Approval`, `plan: ${HASH}`, `wave: 1`, line5, `changeRef: CHG0012345`, `approvedAt: 2025-03-01T09:30:00.000Z`, ""].join("\n");
}

function refusal(text: string): { error: InputError; diagnostics: Diagnostic[] } {
  try {
    parseApproval(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return { error: err as InputError, diagnostics: (err as InputError).diagnostics };
  }
  throw new Error("parseApproval accepted the text");
}

/** The one diagnostic of a refused text, checked to be `approval-invalid` in FILE. */
function only(text: string): Diagnostic {
  const { diagnostics } = refusal(text);
  expect(diagnostics).toHaveLength(1);
  expect(diagnostics[0]).toMatchObject({ file: FILE, code: "approval-invalid", severity: "error" });
  return diagnostics[0]!;
}

describe("parseApproval refuses a bad approval as approval-invalid at its line and column", () => {
  it("points at a YAML syntax error (a nested mapping in a plain value)", () => {
    const d = only(approvalText("approvedBy: Ann: Smith"));
    expect([d.line, d.column]).toEqual([5, 13]);
    expect(d.message).toMatch(/^not valid YAML: Nested mappings are not allowed in compact mappings; re-create it with `ferry approve --force`/);
  });

  it("points at text after a quoted value", () => {
    const d = only(approvalText("approvedBy: 'Ann' Smith"));
    expect([d.line, d.column]).toEqual([5, 19]);
    expect(d.message).toMatch(/^not valid YAML: /);
  });

  it("points at the second of two equal keys", () => {
    const d = only(approvalText("wave: 2"));
    expect([d.line, d.column]).toEqual([5, 1]);
    expect(d.message).toMatch(/^not valid YAML: duplicate key: /);
  });

  it("points a missing field at the map that should hold it", () => {
    // A leading comment moves the map to line 2: the position is the map's, not a default 1:1.
    const text = `# approval of wave 1\n${approvalText("")}`;
    const d = only(text);
    expect([d.line, d.column]).toEqual([2, 1]);
    expect(d.message).toMatch(/^not a valid approval: approvedBy: required field is missing \(expected string\); re-create it/);
  });

  it("points at an unknown key itself", () => {
    const d = only(`${approvalText()}comment: approved in the meeting\n`);
    expect([d.line, d.column]).toEqual([8, 1]);
    expect(d.message).toMatch(/^not a valid approval: comment: unknown key `comment`/);
  });

  it("points at a value of the wrong type, naming what it got", () => {
    const d = only(approvalText().replace("wave: 1", 'wave: "1"'));
    expect([d.line, d.column]).toEqual([4, 7]);
    expect(d.message).toMatch(/^not a valid approval: wave: expected number, got "1"/);
  });

  it("refuses an approval of another kind of document at its kind", () => {
    const d = only(approvalText().replace("kind: Approval", "kind: Plan"));
    expect([d.line, d.column]).toEqual([2, 7]);
    expect(d.message).toMatch(/^not a valid approval: kind: must be "Approval", got "Plan"/);
  });

  it("refuses an empty file and a list, saying what an approval holds", () => {
    expect(only("").message).toMatch(/^not a valid approval: expected a map with apiVersion: ferry\/v1, kind: Approval, .* got an empty document/);
    const d = only("\n- wave: 1\n");
    expect([d.line, d.column]).toEqual([2, 1]);
    expect(d.message).toMatch(/got a list/);
  });

  it("reports every problem of a file, in order, each with the file:line:col the CLI prints", () => {
    const { error, diagnostics } = refusal(approvalText("approvedBy: 7").replace("wave: 1", "wave: 0"));
    expect(diagnostics.map((d) => [d.line, d.column, d.code])).toEqual([
      [4, 7, "approval-invalid"],
      [5, 13, "approval-invalid"],
    ]);
    expect(error.message.split("\n")[0]).toMatch(new RegExp(`^${FILE}:4:7: not a valid approval: wave: .*\\[approval-invalid\\]$`));
  });
});

describe("parseApproval reads what ferry approve writes", () => {
  const approval: Approval = {
    apiVersion: "ferry/v1",
    kind: "Approval",
    plan: HASH,
    wave: 3,
    approvedBy: "Ann Smith",
    changeRef: "CHG0012345",
    approvedAt: "2025-03-01T09:30:00.000Z",
    inputsDigest: `sha256:${"cd".repeat(32)}`,
  };

  it("round-trips an approval written as YAML", () => {
    expect(parseApproval(stringify(approval), FILE)).toEqual(approval);
  });

  it("round-trips one without the optional inputs digest", () => {
    const { inputsDigest: _, ...older } = approval;
    expect(parseApproval(stringify(older), FILE)).toEqual(older);
  });
});

describe("readApproval", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-approval-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is undefined when there is no approval file", async () => {
    await expect(readApproval(join(dir, "none-wave-1.yaml"))).resolves.toBeUndefined();
  });

  it("reads and parses an approval file", async () => {
    const file = join(dir, "good.yaml");
    await writeFile(file, approvalText());
    await expect(readApproval(file)).resolves.toMatchObject({ plan: HASH, wave: 1, approvedBy: "Ann Smith" });
  });

  it("names the file as given in a refusal", async () => {
    const file = join(dir, "dup.yaml");
    await writeFile(file, approvalText("wave: 2"));
    const err = await readApproval(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).diagnostics).toEqual([expect.objectContaining({ file, line: 5, column: 1, code: "approval-invalid" })]);
  });

  it("throws a read error other than a missing file", async () => {
    const file = join(dir, "a-directory.yaml");
    await mkdir(file);
    await expect(readApproval(file)).rejects.toMatchObject({ code: "EISDIR" });
  });
});
