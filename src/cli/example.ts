import { cp, mkdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { UsageError } from "../model/diagnostics.js";
import { generateExample } from "../example/generate.js";

/** The runbooks that ship with ferry (repository root `runbooks/`). */
export const BUNDLED_RUNBOOKS = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "runbooks");

/** `ferry example`: write the generated estate and copy the bundled runbooks beside it. */
export async function exampleCommand(opts: { apps: number; seed: number; out: string; force?: boolean }): Promise<number> {
  if (!Number.isInteger(opts.apps) || opts.apps < 1) throw new UsageError("--apps must be a whole number of at least 1", "usage");
  if (!Number.isInteger(opts.seed)) throw new UsageError("--seed must be a whole number", "usage");
  if (!opts.force && (await stat(join(opts.out, "estate")).catch(() => undefined))) {
    throw new UsageError(`${join(opts.out, "estate")} already exists`, "usage", "Choose an empty --out directory, or pass --force to overwrite.");
  }
  // Replace, not merge: a file left from a different --apps would duplicate ids.
  if (opts.force) await Promise.all(["estate", "runbooks"].map((d) => rm(join(opts.out, d), { recursive: true, force: true })));
  const started = Date.now();
  const files = generateExample({ apps: opts.apps, seed: opts.seed });
  for (const f of files) {
    await mkdir(dirname(join(opts.out, f.path)), { recursive: true });
    await writeFile(join(opts.out, f.path), f.text);
  }
  if (await stat(BUNDLED_RUNBOOKS).catch(() => undefined)) {
    await cp(BUNDLED_RUNBOOKS, join(opts.out, "runbooks"), { recursive: true });
  } else {
    process.stderr.write(`warning: bundled runbooks not found at ${BUNDLED_RUNBOOKS}; wrote the estate only\n`);
  }
  process.stdout.write(`wrote ${files.length} estate files for ${opts.apps} applications to ${opts.out} in ${Date.now() - started} ms\n`);
  return 0;
}
