import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { measure } from "./_measure.js";
import type { BenchTable } from "./table.js";

const FERRY = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));

/** The floor: parse the same YAML files with js-yaml, the parser ferry reads plain documents with, and nothing else. */
const PARSE_FLOOR = `
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
const dir = join(process.argv[2], "estate");
for (const f of readdirSync(dir)) load(readFileSync(join(dir, f), "utf8"));
`;

/** `ferry validate` on generated estates of 1k, 10k and 100k applications against the YAML parse floor. */
export default async function run(): Promise<BenchTable[]> {
  const sizes = (process.env.FERRY_BENCH_SIZES ?? "1000,10000,100000").split(",").map(Number);
  const floorScript = join(fileURLToPath(new URL("..", import.meta.url)), "node_modules", ".ferry-bench-parse-floor.mjs");
  writeFileSync(floorScript, PARSE_FLOOR);
  const rows: (string | number)[][] = [];
  for (const apps of sizes) {
    const dir = mkdtempSync(join(tmpdir(), `ferry-bench-${apps}-`));
    await measure(process.execPath, [FERRY, "example", "--apps", String(apps), "--seed", "1", "--out", dir, "--force"], { runs: 1 });
    const runs = apps >= 100_000 ? 3 : 5;
    const floor = await measure(process.execPath, [floorScript, dir], { runs });
    const validate = await measure(process.execPath, [FERRY, "validate", "--dir", dir, "-q"], { runs });
    rows.push([
      apps.toLocaleString("en-GB"),
      floor.wallMs.toFixed(0),
      validate.wallMs.toFixed(0),
      (validate.wallMs / floor.wallMs).toFixed(2) + "×",
      floor.peakRssMb.toFixed(0),
      validate.peakRssMb.toFixed(0),
    ]);
  }
  return [
    {
      title: "ferry validate vs the YAML parse floor (median wall ms, peak RSS MB)",
      columns: ["applications", "parse floor ms", "validate ms", "ratio", "floor MB", "validate MB"],
      rows,
      notes: [
        "Estates from `ferry example --apps N --seed 1` (~3 links per application, hosts, networks, data sets).",
        "Floor: a node process that only parses the same estate files with js-yaml `load()`, the parser ferry reads plain documents with (`yaml` builds positions only when a diagnostic needs one). Target ratio ≤ 3×.",
        "Both include node start-up; validate also loads its modules, checks schemas, references and network overlaps.",
      ],
    },
  ];
}
