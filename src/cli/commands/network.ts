import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { UsageError } from "../../model/diagnostics.js";
import { command, ExitWith } from "../exit.js";

interface NetworkOptions {
  dir: string;
  stack?: string;
  json?: boolean;
  csv?: string;
  moveAll?: string;
}

/** `ferry network`: the address-plan report an engineer needs before merging networks. */
export function registerNetwork(program: Command): void {
  program
    .command("network")
    .description("Address-plan analysis: legacy overlaps, collisions with the target, re-IP mapping, supernet use")
    .option("--dir <dir>", "project directory", ".")
    .option("--stack <env>", "stack whose target plan to check (default: prod, else the only stack)")
    .option("--json", "print the whole report as JSON")
    .option("--csv <file>", "write the re-IP mapping as CSV (network,site,legacyPrefix,newPrefix,host)")
    .option("--move-all <sites>", "comma-separated sites whose legacy networks all move into their allocation, conflicting or not")
    .addHelpText(
      "after",
      `
Checks the stack's target address plan (every prefix inside the supernet, no overlaps,
subnets big enough: Azure keeps 5 addresses per subnet, GatewaySubnet needs /27,
AzureFirewallSubnet and AzureBastionSubnet /26) and every legacy network in estate/
against each other and against the plan. Each legacy network that must move gets the
first free prefix of the same size in its site's allocation (ferry:network.sites, or the
data centre's prefixes), deterministically. Networks at cloud sites are the target, not legacy.

The mapping's columns legacyPrefix, newPrefix and host are the inputs of the reip-subnet
runbook: put a row's values in the application's params, or feed the CSV to your tooling.

Exit codes: 0 clean (warnings allowed), 1 conflicts found, 2 invalid input.

Examples:
  ferry network
  ferry network --stack dev --json | jq '.mapping'
  ferry network --csv reip.csv`,
    )
    .action(command(async (opts: NetworkOptions) => runNetwork(opts), { json: ([o]) => Boolean(o.json) }));
}

async function runNetwork(opts: NetworkOptions): Promise<number> {
  const { loadValidProject } = await import("../load-project.js");
  const { analyseAddressPlan, mappingCsv, renderAddressPlan } = await import("../../network/index.js");
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
