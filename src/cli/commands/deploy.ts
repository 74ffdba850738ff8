import type { Command } from "commander";
import { command } from "../common/exit.js";
import type { DeployOptions } from "../deploy.js";

/** `ferry deploy`: preview or apply a stack through the Pulumi Automation API. */
export function registerDeploy(program: Command): void {
  program
    .command("deploy")
    .description("Preview or deploy a stack (landing zone, single network, DC links, AVD) with Pulumi")
    .requiredOption("--stack <env>", "stack to deploy: stacks/Pulumi.<env>.yaml")
    .option("--dir <dir>", "project directory (holds Pulumi.yaml)", ".")
    .option("--preview", "show what would change; change nothing")
    .option("-y, --yes", "apply without asking (required to deploy; pipelines pass it)")
    .option("--json", "stream Pulumi engine events as NDJSON on stdout; progress goes to stderr")
    .option("--init", "first-time set-up: create the stack (its encryptionsalt) and set the secrets it needs")
    .option("--expect-no-changes", "with --preview: refresh from Azure and exit 1 on any change (scheduled drift check)")
    .addHelpText(
      "after",
      `
Runs \`pulumi preview\` (--preview) or \`pulumi up\` (--yes) on this repository through the
Automation API, streaming progress. Needs the pulumi CLI on PATH, a backend
(PULUMI_BACKEND_URL, e.g. azblob://state or file://~/.pulumi-state), PULUMI_CONFIG_PASSPHRASE
for file/blob backends, Azure credentials (ARM_* variables, OIDC in pipelines), and the
program built (npm run build → dist/stacks/index.js). The estate and stacks are validated first.

First time, once per stack: \`ferry deploy --stack prod --init\` creates the stack (writing its
encryptionsalt into stacks/Pulumi.prod.yaml) and sets the encrypted secrets the target needs:
ferry:vpnSharedKey (from FERRY_VPN_SHARED_KEY, else generated), ferry:sessionHostAdminPassword
(FERRY_SESSION_HOST_ADMIN_PASSWORD, else generated), ferry:domainJoinPassword
(FERRY_DOMAIN_JOIN_PASSWORD, never generated). Commit the file afterwards.

Exit codes: 0 done, 1 Pulumi failed, drift found or stack locked by another update,
2 invalid input, missing secret or missing pulumi CLI, 130 interrupted.

Examples:
  ferry deploy --stack prod --init
  ferry deploy --stack dev --preview
  ferry deploy --stack prod --preview --expect-no-changes
  ferry deploy --stack prod --yes --json > events.ndjson`,
    )
    .action(
      command(
        async (opts: DeployOptions) => {
          const { deployCommand } = await import("../deploy.js");
          return deployCommand(opts);
        },
        { json: ([o]) => Boolean(o.json) },
      ),
    );
}
