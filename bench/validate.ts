import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { measure, type Measured } from "./_measure.js";
import { median, type BenchTable } from "./table.js";

const FERRY = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

/** The YAML floor: parse the same YAML files with js-yaml, the parser ferry reads plain documents with, and nothing else. */
const PARSE_FLOOR = `
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
const dir = join(process.argv[2], "estate");
for (const f of readdirSync(dir)) load(readFileSync(join(dir, f), "utf8"));
`;

/** The JSON floor: read the same data, written as one JSON file per estate file, with JSON.parse. */
const JSON_FLOOR = `
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
const dir = process.argv[2];
for (const f of readdirSync(dir)) JSON.parse(readFileSync(join(dir, f), "utf8"));
`;

/**
 * `ferry validate` on generated estates of 1k, 10k and 100k applications: first (empty
 * .ferry/cache, which it fills), warm (nothing changed) and with one estate file edited,
 * against the js-yaml parse floor and the JSON.parse floor of the same data.
 */
export default async function run(): Promise<BenchTable[]> {
  const sizes = (process.env.FERRY_BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
  const modules = join(fileURLToPath(new URL("..", import.meta.url)), "node_modules");
  const yamlFloor = join(modules, ".ferry-bench-parse-floor.mjs");
  const jsonFloor = join(modules, ".ferry-bench-json-floor.mjs");
  writeFileSync(yamlFloor, PARSE_FLOOR);
  writeFileSync(jsonFloor, JSON_FLOOR);
  const rows: (string | number)[][] = [];
  for (const apps of sizes) {
    const root = mkdtempSync(join(tmpdir(), `ferry-bench-${apps}-`));
    const dir = join(root, "project");
    const json = join(root, "json");
    try {
      await measure(process.execPath, [FERRY, "example", "--apps", String(apps), "--seed", "1", "--out", dir, "--force"], { runs: 1 });
      mkdirSync(json);
      for (const f of readdirSync(join(dir, "estate"))) writeFileSync(join(json, `${f}.json`), JSON.stringify(load(readFileSync(join(dir, "estate", f), "utf8"))));
      const runs = apps >= 100_000 ? 3 : 5;
      const validate = (extra: string[] = []) => measure(process.execPath, [FERRY, "validate", "--dir", dir, "-q", ...extra], { runs: 1 });
      const cache = join(dir, ".ferry", "cache");
      // One application's name, edited back and forth: each run finds exactly one file changed since the last.
      const edited = join(dir, "estate", readdirSync(join(dir, "estate")).find((f) => f.startsWith("applications"))!);
      const original = readFileSync(edited, "utf8");
      const changed = original.replace(/name: "([^"]+)"/, 'name: "$1 (renamed)"');
      const samples: Record<string, Measured[]> = { yaml: [], json: [], none: [], first: [], warm: [], edit: [] };
      // Interleaved round by round, so a noisy neighbour hurts every row alike.
      for (let i = 0; i < runs; i++) {
        samples.yaml!.push(await measure(process.execPath, [yamlFloor, dir], { runs: 1 }));
        samples.json!.push(await measure(process.execPath, [jsonFloor, json], { runs: 1 }));
        samples.none!.push(await validate(["--no-cache"]));
        rmSync(cache, { recursive: true, force: true });
        samples.first!.push(await validate());
        samples.warm!.push(await validate());
        writeFileSync(edited, i % 2 === 0 ? changed : original);
        samples.edit!.push(await validate());
      }
      writeFileSync(edited, original);
      const ms = (k: string) => median(samples[k]!.map((s) => s.wallMs));
      const mb = (k: string) => median(samples[k]!.map((s) => s.peakRssMb));
      rows.push([
        apps.toLocaleString("en-GB"),
        ms("yaml").toFixed(0),
        ms("json").toFixed(0),
        ms("none").toFixed(0),
        ms("first").toFixed(0),
        ms("warm").toFixed(0),
        ms("edit").toFixed(0),
        `${(ms("first") / ms("yaml")).toFixed(2)}×`,
        `${(ms("warm") / ms("json")).toFixed(2)}×`,
        `${mb("first").toFixed(0)} / ${mb("warm").toFixed(0)}`,
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  return [
    {
      title: "ferry validate vs the YAML and JSON parse floors (median wall ms, peak RSS MB)",
      columns: ["applications", "js-yaml floor", "JSON.parse floor", "validate --no-cache", "validate first", "validate warm", "one file edited", "first / js-yaml", "warm / JSON.parse", "MB first / warm"],
      rows,
      notes: [
        "Estates from `ferry example --apps N --seed 1` (~3 links per application, hosts, networks, data sets).",
        "js-yaml floor: a node process that only parses the same estate files with js-yaml `load()`, the parser ferry reads plain documents with. Target: first validate ≤ 3×.",
        "JSON.parse floor: a node process that reads the same data, one JSON file per estate file, and parses it. Target: warm validate ≤ 2×.",
        "first: an empty .ferry/cache, which validate fills; warm: nothing changed since, so every file's digest matches the recorded verdict (findings, counts, stacks) and the estate is not loaded at all; one file edited: one application's name in one estate file changed since the last run (that file is parsed and checked again, the others come from their cache entries, then the project-wide checks run).",
        "Every figure includes node start-up; validate also loads its modules, hashes every file, checks schemas, references and network overlaps (or reuses them from the cache).",
      ],
    },
  ];
}
