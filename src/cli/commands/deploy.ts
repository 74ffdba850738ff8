import type { Command } from "commander";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "../../model/diagnostics.js";
import { command } from "../exit.js";

interface DeployOptions {
  dir: string;
  stack: string;
  preview?: boolean;
  yes?: boolean;
  json?: boolean;
}

const INSTALL_HINT =
  "Install it, then re-run:\n" +
  "    curl -fsSL https://get.pulumi.com | sh      # Linux, macOS (adds ~/.pulumi/bin to PATH)\n" +
  "    brew install pulumi/tap/pulumi              # macOS\n" +
  "    winget install pulumi                       # Windows\n" +
  "  In pipelines use pulumi/actions (GitHub) or the same script (Azure DevOps). See docs/stacks.md.";

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
    .addHelpText(
      "after",
      `
Runs \`pulumi preview\` (--preview) or \`pulumi up\` (--yes) on this repository through the
Automation API, streaming progress. Needs the pulumi CLI on PATH, a backend
(PULUMI_BACKEND_URL, e.g. azblob://state or file://~/.pulumi-state), PULUMI_CONFIG_PASSPHRASE
for file/blob backends, Azure credentials (ARM_* variables, OIDC in pipelines), and the
program built (npm run build → dist/stacks/index.js). The estate and stacks are validated first.

Exit codes: 0 done, 1 Pulumi failed, 2 invalid input or missing pulumi CLI, 130 interrupted.

Examples:
  ferry deploy --stack dev --preview
  ferry deploy --stack prod --yes --json > events.ndjson`,
    )
    .action(command(async (opts: DeployOptions) => runDeploy(opts), { json: ([o]) => Boolean(o.json) }));
}

/** Resolve when `pulumi version` runs; UsageError pulumi-missing when the CLI is absent. */
function checkPulumiCli(): Promise<string> {
  return new Promise((resolveVersion, reject) => {
    execFile("pulumi", ["version"], { timeout: 30_000 }, (err, stdout) => {
      if (err && (err as NodeJS.ErrnoException).code === "ENOENT") {
        reject(new UsageError("the pulumi CLI is not installed (or not on PATH); ferry deploy drives it through the Automation API", "pulumi-missing", INSTALL_HINT));
      } else if (err) {
        reject(new UsageError(`\`pulumi version\` failed: ${err.message}`, "pulumi-missing", INSTALL_HINT));
      } else resolveVersion(stdout.trim());
    });
  });
}

async function runDeploy(opts: DeployOptions): Promise<number> {
  // Before anything else, so a missing CLI never leaves files behind in the repository.
  const version = await checkPulumiCli();
  const dir = resolve(opts.dir);
  if (!opts.preview && !opts.yes) {
    throw new UsageError("deploying changes Azure: add --yes to apply, or --preview to see what would change");
  }
  if (!existsSync(join(dir, "Pulumi.yaml"))) throw new UsageError(`${opts.dir} has no Pulumi.yaml: run ferry deploy in the project directory or pass --dir`, "file-not-found");
  const { loadProject, assertValid } = await import("../../model/load.js");
  const project = await loadProject(dir);
  assertValid(project);
  if (!project.stacks.has(opts.stack)) {
    throw new UsageError(`unknown stack ${opts.stack} (stacks: ${[...project.stacks.keys()].sort().join(", ") || "none"})`);
  }
  if (!existsSync(join(dir, "dist", "stacks", "index.js"))) {
    throw new UsageError("the stacks program is not built (dist/stacks/index.js is missing)", "file-not-found", "Run `npm run build` first.");
  }

  const log = (text: string) => (opts.json ? process.stderr : process.stdout).write(text);
  log(`ferry deploy: ${opts.preview ? "preview" : "up"} of stack ${opts.stack} with pulumi ${version}\n`);
  const { LocalWorkspace } = await import("@pulumi/pulumi/automation/index.js");
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: opts.stack, workDir: dir });
  const onEvent = opts.json ? (event: unknown) => process.stdout.write(JSON.stringify(event) + "\n") : undefined;
  let interrupted = false;
  const cancel = () => {
    interrupted = true;
    void stack.cancel().catch(() => undefined);
  };
  process.once("SIGINT", cancel);
  try {
    if (opts.preview) {
      const result = await stack.preview({ onOutput: log, ...(onEvent ? { onEvent } : {}), diff: false });
      log(`\nPreview of ${opts.stack}: ${summarise(result.changeSummary)}\n`);
    } else {
      const result = await stack.up({ onOutput: log, ...(onEvent ? { onEvent } : {}) });
      log(`\nDeployed ${opts.stack}: ${summarise(result.summary.resourceChanges ?? {})}\n`);
    }
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    const message = err instanceof Error ? err.message.split("\n").slice(-12).join("\n") : String(err);
    throw Object.assign(new Error(`pulumi ${opts.preview ? "preview" : "up"} of ${opts.stack} failed:\n${message}`), { code: "deploy-failed" });
  } finally {
    process.removeListener("SIGINT", cancel);
  }
}

function summarise(changes: Record<string, number | undefined>): string {
  const parts = Object.entries(changes)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([op, n]) => `${n} ${op}`);
  return parts.length > 0 ? parts.join(", ") : "no changes";
}
