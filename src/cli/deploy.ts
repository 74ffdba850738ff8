import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ActionError } from "../actions/errors.js";
import { countChanges, pulumiVersion } from "../actions/pulumi.js";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import { loadValidProject } from "./shared/load-project.js";

export interface DeployOptions {
  dir: string;
  stack: string;
  preview?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** The pulumi CLI's version; a missing or broken CLI is a usage error (exit 2) with install steps. */
async function checkPulumiCli(): Promise<string> {
  try {
    return await pulumiVersion(new AbortController().signal, 30_000);
  } catch (err) {
    if (!(err instanceof ActionError)) throw err;
    throw new UsageError(err.message, "pulumi-missing", err.hint);
  }
}

/** `ferry deploy`: validate, then `pulumi preview` or `up` of one stack through the Automation API. */
export async function deployCommand(opts: DeployOptions): Promise<number> {
  // Before anything else, so a missing CLI never leaves files behind in the repository.
  const version = await checkPulumiCli();
  const dir = resolve(opts.dir);
  if (!opts.preview && !opts.yes) {
    throw new UsageError("deploying changes Azure: add --yes to apply, or --preview to see what would change");
  }
  if (!existsSync(join(dir, "Pulumi.yaml"))) throw new UsageError(`${opts.dir} has no Pulumi.yaml: run ferry deploy in the project directory or pass --dir`, "file-not-found");
  const project = await loadValidProject(dir);
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
  // Ctrl-C interrupts our own CLI process (Pulumi finishes the operations in flight and saves
  // its state); never `pulumi cancel`, which would kill whichever update holds the stack.
  const interrupt = new AbortController();
  const cancel = () => interrupt.abort();
  process.once("SIGINT", cancel);
  try {
    if (opts.preview) {
      const result = await stack.preview({ onOutput: log, ...(onEvent ? { onEvent } : {}), diff: false, signal: interrupt.signal });
      log(`\nPreview of ${opts.stack}: ${summarise(result.changeSummary)}\n`);
    } else {
      const result = await stack.up({ onOutput: log, ...(onEvent ? { onEvent } : {}), signal: interrupt.signal });
      log(`\nDeployed ${opts.stack}: ${summarise(result.summary.resourceChanges ?? {})}\n`);
    }
    return 0;
  } catch (err) {
    if (interrupt.signal.aborted) return 130;
    const message = err instanceof Error ? err.message.split("\n").slice(-12).join("\n") : String(err);
    throw new FerryError("deploy-failed", `pulumi ${opts.preview ? "preview" : "up"} of ${opts.stack} failed:\n${message}`);
  } finally {
    process.removeListener("SIGINT", cancel);
  }
}

function summarise(changes: Partial<Record<string, number>>): string {
  return countChanges(changes).text || "no changes";
}
