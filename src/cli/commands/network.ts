import type { Command } from "commander";
import { command } from "../common/exit.js";
import type { NetworkFlags } from "../network.js";

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
    .action(
      command(
        async (flags: NetworkFlags) => {
          const { networkCommand } = await import("../network.js");
          return networkCommand(flags);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
