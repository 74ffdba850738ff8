/**
 * `npm run bench [-- area…]`: runs every benchmark module (or the named ones) and prints their
 * tables. Each module measures ferry beside its peer in the same run and reports ratios, so the
 * figures mean something on a busy or slow machine.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderTable, type BenchTable } from "./table.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const modules = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && !["run.ts", "table.ts"].includes(f) && !f.startsWith("_"))
  .map((f) => f.replace(/\.ts$/, ""))
  .filter((name) => wanted.length === 0 || wanted.includes(name))
  .sort();

process.stdout.write(`# ferry benchmarks\n\nnode ${process.version}, ${process.platform}/${process.arch}, ${(await import("node:os")).cpus().length} cores\n\n`);
for (const name of modules) {
  const started = Date.now();
  process.stderr.write(`bench: ${name}…\n`);
  const mod = (await import(`./${name}.js`)) as { default: () => Promise<BenchTable[]> };
  for (const table of await mod.default()) process.stdout.write(renderTable(table) + "\n");
  process.stderr.write(`bench: ${name} done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}
