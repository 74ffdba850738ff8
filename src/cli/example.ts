/** `ferry example`: write a project to try ferry on, at scale (`--apps N`) or on this machine (`--local`). */
import { cp, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse, stringify } from "yaml";
import { UsageError } from "../model/diagnostics.js";
import { generateExample } from "../example/generate.js";
import { LOCAL_APPS, localExample } from "../example/local.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The runbooks that ship with ferry (repository root `runbooks/`). */
export const BUNDLED_RUNBOOKS = join(REPO, "runbooks");

export interface ExampleFlags {
  apps?: number;
  seed: number;
  out: string;
  force?: boolean;
  local?: boolean;
  /** With --local: the application that fails on purpose. */
  fail?: string;
  /** Write the synthetic estate as the exports `ferry import` reads, not as estate YAML. */
  asExports?: boolean;
}

/**
 * The bundled dev stack without what names the bundled estate's sites, so `ferry network` and
 * `ferry validate` work on an example project too.
 */
async function exampleStack(): Promise<string> {
  const stack = parse(await readFile(join(REPO, "stacks", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
  for (const key of ["ferry:connectivity", "ferry:desktops"]) delete stack.config[key];
  const network = stack.config["ferry:network"] as Record<string, unknown>;
  delete network.sites;
  delete network.dataCentre;
  return `# Written by \`ferry example\`: the bundled dev target, less what names the bundled estate's sites.\n${stringify(stack)}`;
}

export async function exampleCommand(flags: ExampleFlags): Promise<number> {
  if (!flags.local && (flags.apps === undefined || !Number.isInteger(flags.apps) || flags.apps < 1)) {
    throw new UsageError("--apps must be a whole number of at least 1 (or pass --local for a small project that runs on this machine)", "usage");
  }
  if (!Number.isInteger(flags.seed)) throw new UsageError("--seed must be a whole number", "usage");
  if (flags.fail !== undefined && !(LOCAL_APPS as readonly string[]).includes(flags.fail)) {
    throw new UsageError(`--fail names ${flags.fail}, not an application of the local example`, "usage", `Choose one of ${LOCAL_APPS.join(", ")}.`);
  }
  if (flags.asExports && flags.local) throw new UsageError("--as-exports writes the synthetic estate of --apps; it does not apply to --local", "usage");
  if (!flags.force && (await stat(join(flags.out, "estate")).catch(() => undefined))) {
    throw new UsageError(`${join(flags.out, "estate")} already exists`, "usage", "Choose an empty --out directory, or pass --force to overwrite.");
  }
  // Replace, not merge: a file left from a different --apps would duplicate ids.
  if (flags.force) await Promise.all(["estate", "runbooks", "stacks", ...(flags.asExports ? ["exports"] : [])].map((d) => rm(join(flags.out, d), { recursive: true, force: true })));
  const started = Date.now();
  if (flags.asExports) return writeExports(flags, started);
  const files = flags.local ? localExample({ failing: flags.fail }) : generateExample({ apps: flags.apps!, seed: flags.seed });
  files.push({ path: "stacks/Pulumi.dev.yaml", text: await exampleStack() });
  for (const f of files) {
    await mkdir(dirname(join(flags.out, f.path)), { recursive: true });
    await writeFile(join(flags.out, f.path), f.text);
  }
  if (!flags.local) await cp(BUNDLED_RUNBOOKS, join(flags.out, "runbooks"), { recursive: true });
  process.stdout.write(
    flags.local
      ? `wrote a project to try on this machine to ${flags.out}: ${LOCAL_APPS.length} services, wave 1 today; ${flags.fail ?? "planning-portal"} fails on purpose\n`
      : `wrote ${files.length} files for ${flags.apps} applications to ${flags.out} in ${Date.now() - started} ms\n`,
  );
  return 0;
}

/**
 * `--as-exports`: the exports (RVTools, Azure Migrate, ServiceNow, Citrix, NetBox) under
 * `exports/`, and around them what no export carries (sites.yaml with organisations and the
 * calendar, import.yaml, stacks, runbooks), so the printed `ferry import` commands make the estate.
 * exceljs is loaded only here.
 */
async function writeExports(flags: ExampleFlags, started: number): Promise<number> {
  const { exampleExports, writeWorkbook } = await import("../example/exports.js");
  const ex = exampleExports({ apps: flags.apps!, seed: flags.seed });
  ex.files.push({ path: "stacks/Pulumi.dev.yaml", text: await exampleStack() });
  for (const f of ex.files) {
    await mkdir(dirname(join(flags.out, f.path)), { recursive: true });
    await writeFile(join(flags.out, f.path), f.bytes ?? f.text);
  }
  await writeWorkbook(join(flags.out, ex.workbook.path), ex.workbook.sheets);
  await cp(BUNDLED_RUNBOOKS, join(flags.out, "runbooks"), { recursive: true });
  const c = ex.counts;
  process.stdout.write(
    `wrote the exports of ${flags.apps} applications to ${flags.out}/exports in ${Date.now() - started} ms: ` +
      `${c.vms} VMs, ${c.dependencyRows} dependency rows, ${c.citrixApps} Citrix applications, ${c.prefixes} prefixes\n` +
      `import them with:\n  cd ${flags.out}\n${ex.imports.map((args) => `  ferry import ${args.join(" ")}\n`).join("")}  ferry validate && ferry plan --out plans/all.json\n`,
  );
  return 0;
}
