/** `ferry network`: the address-plan report an engineer needs before merging networks. */
import { writeFile } from "node:fs/promises";
import { UsageError } from "../model/diagnostics.js";
import { analyseAddressPlan, mappingCsv, renderAddressPlan } from "../network/index.js";
import { ExitWith } from "./common/exit.js";
import { loadValidProject } from "./common/load-project.js";

export interface NetworkFlags {
  dir: string;
  stack?: string;
  json?: boolean;
  csv?: string;
  moveAll?: string;
}

export async function networkCommand(opts: NetworkFlags): Promise<number> {
  const project = await loadValidProject(opts.dir);
  const names = [...project.stacks.keys()].sort();
  if (names.length === 0) {
    throw new UsageError(`no stacks in ${opts.dir}/stacks: the target address plan lives in stacks/Pulumi.<env>.yaml`, "file-not-found");
  }
  let name = opts.stack;
  if (name === undefined) {
    if (project.stacks.has("prod")) name = "prod";
    else if (names.length === 1) name = names[0]!;
    else throw new UsageError(`several stacks (${names.join(", ")}) and no prod: choose one with --stack`);
  }
  const stack = project.stacks.get(name);
  if (!stack) throw new UsageError(`unknown stack ${name} (stacks: ${names.join(", ")})`);
  const moveAllAt = opts.moveAll ? opts.moveAll.split(",").map((s) => s.trim()).filter(Boolean) : [];
  const report = analyseAddressPlan(project.estate, stack.target, { moveAllAt });

  if (opts.csv) {
    await writeFile(opts.csv, mappingCsv(report.mapping));
  }
  if (opts.json) {
    process.stdout.write(JSON.stringify({ ok: !report.conflicts, stack: name, file: stack.file, ...report }, null, 2) + "\n");
  } else {
    process.stdout.write(renderAddressPlan(report, `Address plan of stack ${name} (${stack.file})`));
    if (opts.csv) process.stdout.write(`Wrote ${report.mapping.length} mapping row(s) to ${opts.csv}\n`);
  }
  if (report.conflicts) throw new ExitWith(1);
  return 0;
}
