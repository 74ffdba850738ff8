/**
 * ferry reads plain YAML with js-yaml and falls back to yaml for anything else (see readPlain in
 * src/model/yaml-source.ts). Positions for diagnostics always come from yaml, so the two parsers
 * must agree on every document js-yaml accepts: same data, or js-yaml refuses and yaml decides.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDocument, stringify } from "yaml";
import { parseYaml, readPlain } from "../../src/model/yaml-source.js";

/** What yaml makes of a document (the reference), or "error". */
function byYaml(text: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true, strict: true, logLevel: "silent" });
  if (doc.errors.length > 0 || doc.warnings.length > 0) return "error";
  return doc.toJS({ maxAliasCount: 200 }) as unknown;
}

/** What the fast path makes of it, or undefined when it hands the document to yaml. */
const byJsYaml = (text: string): unknown => readPlain(text)?.data;

function expectSameData(text: string): void {
  const fast = byJsYaml(text);
  if (fast === undefined) return;
  expect(fast, text).toStrictEqual(byYaml(text));
}

const ROOT = join(import.meta.dirname, "../..");

describe("the plain-YAML fast path", () => {
  it("reads every bundled document exactly as yaml does", () => {
    let checked = 0;
    for (const folder of ["estate", "runbooks", "stacks"]) {
      for (const name of readdirSync(join(ROOT, folder)).filter((n) => /\.ya?ml$/.test(n))) {
        const text = readFileSync(join(ROOT, folder, name), "utf8");
        expect(byJsYaml(text), `${folder}/${name} takes the fast path`).not.toBeUndefined();
        expectSameData(text);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("resolves plain scalars by the YAML 1.2 core schema, as yaml does", () => {
    const pieces = ["0", "1", "7", "9", "+", "-", ".", "e", "E", "x", "o", "b", "_", "a", "F", "inf", "Inf", "nan", "NaN", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "yes", "no", "on", "0x", "0o", ":", "2027-01-01", "12:30"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 5 }), (parts) => {
        const scalar = parts.join("");
        expectSameData(`k: ${scalar}\n`);
        expectSameData(`- ${scalar}\n`);
        expectSameData(`{ k: [${scalar}] }\n`);
      }),
      { numRuns: 3000 },
    );
  });

  it("reads whatever yaml writes, in every style, to the same data", () => {
    const key = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("id", "on", "yes", "null", "1", "- a", "a: b", "#", "<<", "__proto__"));
    const { node } = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        fc.string({ maxLength: 12 }),
        fc.string({ unit: "binary", maxLength: 12 }),
        fc.constantFrom("", " ", "a\nb", "a  \n", "'", '"', "C:\\Program Files\\x.exe", "0777", "1e3", "~", "true", "2027-02-01", "- x", "k: v", "a # b", "\t"),
        fc.integer(),
        fc.double({ noNaN: true }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie("node"), { maxLength: 4 }),
        fc.dictionary(key, tie("node"), { maxKeys: 4 }),
      ),
    }));
    const options = fc.record({
      collectionStyle: fc.constantFrom("any", "block", "flow"),
      defaultStringType: fc.constantFrom("PLAIN", "QUOTE_DOUBLE", "QUOTE_SINGLE", "BLOCK_LITERAL", "BLOCK_FOLDED"),
      lineWidth: fc.constantFrom(0, 20, 80),
      indent: fc.constantFrom(2, 4),
    });
    fc.assert(
      fc.property(fc.dictionary(key, node, { minKeys: 1, maxKeys: 5 }), options, (data, opts) => {
        const text = stringify(data, opts);
        const fast = byJsYaml(text);
        // What yaml writes from plain data is plain YAML: the fast path must take it (unless it
        // folded a double-quoted string with an escaped line break), and agree.
        if (!/\\\r?\n/.test(text)) expect(fast, text).not.toBeUndefined();
        if (fast !== undefined) expect(fast, text).toStrictEqual(byYaml(text));
      }),
      { numRuns: 1500 },
    );
  });

  it("hands documents it cannot read plainly to yaml, whose diagnostics and data stand", () => {
    const cases: [string, unknown][] = [
      ["a: &x 1\nb: *x\n", { a: 1, b: 1 }],
      ["%YAML 1.1\n---\nk: yes\n", { k: true }],
      ["", null],
      ["# only a comment\n", null],
      // An escaped line break followed by a blank line: js-yaml and yaml fold it differently.
      ['k: "C:\\\\Program\\\n    \n    Files"\n', { k: "C:\\Program Files" }],
    ];
    for (const [text, data] of cases) {
      expect(byJsYaml(text), text).toBeUndefined();
      const parsed = parseYaml("x.yaml", text);
      expect(parsed.diagnostics, text).toEqual([]);
      expect(parsed.data, text).toStrictEqual(data);
    }
    const duplicate = parseYaml("x.yaml", "a: 1\nb: 2\na: 3\n");
    expect(duplicate.diagnostics.map((d) => [d.line, d.column, d.message])).toEqual([[3, 1, "duplicate key: `a` appears twice in this map; keys must be unique"]]);
    const tagged = parseYaml("x.yaml", "k: !ruby/object x\n");
    expect(tagged.diagnostics).toHaveLength(1);
    expect(tagged.diagnostics[0]!.line).toBe(1);
  });
});
