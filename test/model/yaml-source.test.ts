import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { describe, expect, it } from "vitest";
import { parseYaml, positionOf, type PathSegment } from "../../src/model/yaml-source.js";

const TEXT = `apiVersion: ferry/v1
kind: Estate
hosts:
  - { id: a, site: guildhall, address: 10.1.10.22 }
  - id: b
    site: guildhall
    ssh: { user: ferry, via: a }
applications:
  - id: revs
    hosts: [a, b]
    dependsOn:
      - { app: crm, together: true }
`;

/** Every path in a parsed document, down to scalars, plus a few that do not exist. */
function allPaths(): PathSegment[][] {
  const out: PathSegment[][] = [[]];
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = String((pair.key as { value: unknown }).value);
        out.push([...path, key]);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        out.push([...path, i]);
        walk(item as Node, [...path, i]);
      });
    } else if (!isScalar(node) && node !== null && node !== undefined) {
      throw new Error("unexpected node");
    }
  };
  walk(parseDocument(TEXT).contents, []);
  return [...out, ["hosts", 7], ["hosts", 0, "missing"], ["applications", 0, "dependsOn", 0, "app", "deeper"]];
}

describe("YamlSource keeps positions without keeping the parsed document", () => {
  it("gives exactly the positions of a document parsed once and kept", () => {
    const lines = new LineCounter();
    const doc = parseDocument(TEXT, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, logLevel: "silent" });
    const kept = { file: "estate/x.yaml", doc, lines };
    const lazy = parseYaml("estate/x.yaml", TEXT).source!;
    const reread = parseYaml("estate/x.yaml", TEXT, { reread: () => TEXT }).source!;
    for (const path of allPaths()) {
      for (const key of [false, true]) {
        const expected = positionOf(kept as never, path, { key });
        expect(positionOf(lazy, path, { key }), `${path.join(".")} key=${key}`).toEqual(expected);
        expect(positionOf(reread, path, { key }), `${path.join(".")} key=${key}`).toEqual(expected);
      }
    }
  });

  it("re-reads the text only when a position is first asked for, then reuses the parse", () => {
    let reads = 0;
    const parsed = parseYaml("estate/x.yaml", TEXT, { reread: () => (reads++, TEXT) });
    expect(parsed.data).toMatchObject({ kind: "Estate" });
    expect(reads).toBe(0);
    expect(positionOf(parsed.source!, ["hosts", 1, "ssh", "via"])).toEqual({ line: 7, column: 30 });
    expect(positionOf(parsed.source!, ["applications", 0, "dependsOn", 0, "app"])).toEqual({ line: 12, column: 16 });
    expect(reads).toBe(1);
  });
});
