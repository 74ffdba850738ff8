import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ActionError } from "../actions/errors.js";
import { countChanges, pulumiVersion } from "../actions/pulumi.js";
import { FerryError } from "../model/codes.js";
import { UsageError } from "../model/diagnostics.js";
import { secretKeysFor } from "../model/stack.js";
import { loadValidProject } from "./common/load-project.js";

export interface DeployOptions {
  dir: string;
  stack: string;
  preview?: boolean;
  yes?: boolean;
  json?: boolean;
  /** First-time set-up: create the stack (writes its `encryptionsalt`) and set the secrets it needs. */
  init?: boolean;
  /** With --preview: refresh from Azure and fail (stack-drift) on any change, for scheduled drift checks. */
  expectNoChanges?: boolean;
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
  if (opts.expectNoChanges && !opts.preview) throw new UsageError("--expect-no-changes goes with --preview (a drift check changes nothing)");
  if (!opts.preview && !opts.yes && !opts.init) {
    throw new UsageError("deploying changes Azure: add --yes to apply, or --preview to see what would change");
  }
  if (!existsSync(join(dir, "Pulumi.yaml"))) throw new UsageError(`${opts.dir} has no Pulumi.yaml: run ferry deploy in the project directory or pass --dir`, "file-not-found");
  const project = await loadValidProject(dir);
  if (!project.stacks.has(opts.stack)) {
    throw new UsageError(`unknown stack ${opts.stack} (stacks: ${[...project.stacks.keys()].sort().join(", ") || "none"})`);
  }
  const target = project.stacks.get(opts.stack)!.target;
  if (!target.landingZone.subscriptions) {
    throw new UsageError(
      `stack ${opts.stack} has no ferry:landingZone.subscriptions`,
      "config-missing",
      "Name the connectivity, management and corp subscriptions (an existing id, or an alias and billingScope for a new one): policies govern only subscriptions placed under the management groups.",
    );
  }
  if (!existsSync(join(dir, "dist", "stacks", "index.js"))) {
    throw new UsageError("the stacks program is not built (dist/stacks/index.js is missing)", "file-not-found", "Run `npm run build` first.");
  }

  const log = (text: string) => (opts.json ? process.stderr : process.stdout).write(text);
  const mode = opts.init ? "first-time set-up" : opts.preview ? (opts.expectNoChanges ? "drift check" : "preview") : "up";
  log(`ferry deploy: ${mode} of stack ${opts.stack} with pulumi ${version}\n`);
  const { LocalWorkspace, ConcurrentUpdateError } = await import("@pulumi/pulumi/automation/index.js");
  const stack = await LocalWorkspace.createOrSelectStack({ stackName: opts.stack, workDir: dir });
  if (opts.init) {
    // Creating the stack wrote its encryptionsalt (passphrase backends); now its secrets.
    const existing = await stack.getAllConfig();
    const missing: string[] = [];
    for (const s of secretKeysFor(target)) {
      const key = `ferry:${s.key}`;
      if (existing[key]) {
        log(`  ${key}: already set, kept\n`);
        continue;
      }
      const given = process.env[s.env];
      if (!given && !s.generate) {
        missing.push(`${key} (${s.purpose}): export ${s.env}`);
        continue;
      }
      await stack.setConfig(key, { value: given ?? randomBytes(24).toString("base64url"), secret: true });
      log(`  ${key}: ${given ? `set from ${s.env}` : "generated"} (encrypted in stacks/Pulumi.${opts.stack}.yaml; read it with \`pulumi config get ${key} --stack ${opts.stack}\`)\n`);
    }
    if (missing.length > 0) throw new UsageError(`cannot set ${missing.length} secret(s) ferry may not invent:\n  ${missing.join("\n  ")}`, "config-missing");
    log(`Stack ${opts.stack} is ready: commit stacks/Pulumi.${opts.stack}.yaml (encryptionsalt and encrypted secrets), then \`ferry deploy --stack ${opts.stack} --preview\`.\n`);
    return 0;
  }
  const onEvent = opts.json ? (event: unknown) => process.stdout.write(JSON.stringify(event) + "\n") : undefined;
  // Ctrl-C interrupts our own CLI process (Pulumi finishes the operations in flight and saves
  // its state); never `pulumi cancel`, which would kill whichever update holds the stack.
  const interrupt = new AbortController();
  const cancel = () => interrupt.abort();
  process.once("SIGINT", cancel);
  try {
    if (opts.preview) {
      const result = await stack.preview({ onOutput: log, onEvent, diff: false, signal: interrupt.signal });
      log(`\nPreview of ${opts.stack}: ${summarise(result.changeSummary)}\n`);
    } else {
      const result = await stack.up({ onOutput: log, onEvent, signal: interrupt.signal });
      log(`\nDeployed ${opts.stack}: ${summarise(result.summary.resourceChanges ?? {})}\n`);
    }
    return 0;
  } catch (err) {
    if (interrupt.signal.aborted) return 130;
    if (err instanceof FerryError) throw err;
    if (err instanceof ConcurrentUpdateError) {
      throw new FerryError(
        "stack-locked",
        `stack ${opts.stack} is locked by another update (another pipeline run, or one that died mid-update)`,
        `Wait for it to finish; if nothing is running, check the state, then \`pulumi cancel --stack ${opts.stack}\`. ferry never cancels another update.`,
      );
    }
    const message = err instanceof Error ? err.message.split("\n").slice(-12).join("\n") : String(err);
    throw new FerryError("deploy-failed", `pulumi ${opts.preview ? "preview" : "up"} of ${opts.stack} failed:\n${message}`);
  } finally {
    process.removeListener("SIGINT", cancel);
  }
}

function summarise(changes: Partial<Record<string, number>>): string {
  return countChanges(changes).text || "no changes";
}
