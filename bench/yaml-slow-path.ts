/**
 * The positions parser (yaml), which reads every document js-yaml does not (a `%YAML` line, an
 * alias, an error to locate), against the yaml library alone on the same text. Growth per key
 * must stay flat: a duplicate-key check that compared each key with every earlier one made a
 * 20k-key map take 8 s and a 40k-key map half a minute.
 */
import { parseDocument } from "yaml";
import { parseYaml } from "../src/model/yaml-source.js";
import type { BenchTable } from "./table.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function time(fn: () => void, runs = 5): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return median(ms);
}

export default function run(): Promise<BenchTable[]> {
  const rows: (string | number)[][] = [];
  for (const keys of [10_000, 20_000, 40_000, 80_000]) {
    let map = "";
    for (let i = 0; i < keys; i++) map += `  k${i}: value ${i}\n`;
    for (const [shape, text] of [
      ["%YAML map", `%YAML 1.2\n---\nmap:\n${map}`],
      ["one alias", `base: &b\n${map}copy: *b\n`],
    ] as const) {
      const floor = time(() => parseDocument(text, { uniqueKeys: false }).toJS({ maxAliasCount: -1 }));
      const ferry = time(() => {
        if (parseYaml("bench.yaml", text).diagnostics.length) throw new Error("the bench document should parse");
      });
      rows.push([shape, keys.toLocaleString("en-GB"), floor.toFixed(0), ferry.toFixed(0), (ferry / floor).toFixed(2) + "×", ((ferry / keys) * 1000).toFixed(1)]);
    }
  }
  return Promise.resolve([
    {
      title: "Slow-path YAML parse (documents js-yaml does not read) vs the yaml library alone (median of 5, ms)",
      columns: ["document", "keys", "yaml alone ms", "ferry ms", "ratio", "ferry ms per 1k keys"],
      rows,
      notes: [
        "ferry: parseYaml (js-yaml attempt, then yaml with positions, duplicate keys checked with one set per map, alias limit). Floor: yaml's parseDocument + toJS on the same text, no checks.",
        "Linear means the last column stays flat as the key count doubles.",
      ],
    },
  ]);
}
