import { spawn } from "node:child_process";
import { abortError } from "./abort.js";
import { LineSplitter, tail, TailBuffer } from "./bounded-output.js";
import { ActionError, ProbeFailedError } from "./errors.js";
import type { Action, ActionContext, ActionOutput } from "./types.js";
import type { PulumiSpec } from "../model/runbook.js";

export interface PulumiActionOptions {
  /** How long `pulumi version` may take before the CLI counts as broken. @default 15000 */
  versionTimeoutMs?: number;
  /** Bytes of CLI output kept for outputs and error messages. @default 65536 */
  maxOutputBytes?: number;
}

/** Operation kinds in a change summary that are not changes. */
const UNCHANGED = new Set(["same", "read"]);

/**
 * The `pulumi` action: `preview`, `up` or `refresh` of a stack of the project in `ctx.cwd`
 * (its Pulumi.yaml, stacks in `stacks/`) through the Automation API, loaded only when a
 * pulumi step runs.
 *
 * - Checks first that the `pulumi` CLI runs (the Automation API shells out to it); if not,
 *   fails with `pulumi-missing` before anything changes.
 * - Secrets in `ctx.secrets` reach the CLI as environment variables of the workspace
 *   (PULUMI_CONFIG_PASSPHRASE, ARM_CLIENT_SECRET…), never as arguments.
 * - On abort it interrupts its own CLI process (SIGINT: Pulumi finishes the resource
 *   operations in flight and writes its state). It never runs `pulumi cancel`, which would
 *   kill whichever update holds the stack, possibly another operator's.
 * - A stack locked by another update fails with `pulumi-concurrent-update`, not transient.
 * - A failed or interrupted `up` lists the stack's pending operations (resources that may
 *   exist without being recorded) in the error; they are never cleared automatically.
 * Outputs: `changes` (the change summary), `stdout` (the tail of the CLI output), and for
 * `up` the stack `outputs` with secret values replaced by "[secret]".
 */
export function createPulumiAction(opts: PulumiActionOptions = {}): Action<"pulumi"> {
  const maxOutput = opts.maxOutputBytes ?? 64 * 1024;
  return {
    kind: "pulumi",
    /** Dry run: only checks that the CLI works; a preview can take minutes and needs cloud credentials. */
    async preflight(ctx: ActionContext, spec: PulumiSpec): Promise<string> {
      const version = await pulumiVersion(ctx.signal, opts.versionTimeoutMs ?? 15_000);
      return `pulumi CLI ${version} found; ${spec.operation ?? "preview"} of stack ${spec.stack} not run`;
    },
    async run(ctx: ActionContext, spec: PulumiSpec): Promise<ActionOutput> {
      const operation = spec.operation ?? "preview";
      const subject = `pulumi ${operation} of stack ${spec.stack}`;
      const version = await pulumiVersion(ctx.signal, opts.versionTimeoutMs ?? 15_000);
      if (ctx.signal.aborted) throw abortError(ctx.signal, `${subject} did not start`, "not-started");

      const auto = await import("@pulumi/pulumi/automation/index.js");
      const kept = new TailBuffer(maxOutput);
      const lines = new LineSplitter((line) => ctx.onLine?.("stdout", line));
      const onOutput = (out: string) => {
        const chunk = Buffer.from(out);
        kept.push(chunk);
        lines.push(chunk);
      };
      const workspace = { workDir: ctx.cwd, envVars: Object.fromEntries(ctx.secrets) };
      let stack: Awaited<ReturnType<typeof auto.LocalWorkspace.createOrSelectStack>> | undefined;
      try {
        stack = await auto.LocalWorkspace.createOrSelectStack({ stackName: spec.stack, workDir: ctx.cwd }, workspace);
        const common = { onOutput, signal: ctx.signal };
        if (operation === "preview") {
          const result = await stack.preview(common);
          const changes = countChanges(result.changeSummary);
          if (spec.expectNoChanges && changes.total > 0) {
            throw new ProbeFailedError(`${subject} shows changes (${changes.text}), expected none: the stack drifted or the program changed`, {
              transient: false,
            });
          }
          return { changes: result.changeSummary, changed: changes.total, stdout: done(lines, kept), pulumiVersion: version };
        }
        if (operation === "refresh") {
          const result = await stack.refresh(common);
          return { changes: result.summary.resourceChanges ?? {}, stdout: done(lines, kept), pulumiVersion: version };
        }
        const result = await stack.up(common);
        const outputs = Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.secret ? "[secret]" : v.value]));
        return { changes: result.summary.resourceChanges ?? {}, outputs, stdout: done(lines, kept), pulumiVersion: version };
      } catch (err) {
        lines.end();
        if (err instanceof ActionError) throw err;
        if (err instanceof auto.ConcurrentUpdateError) {
          throw new ActionError("pulumi-concurrent-update", `${subject}: another update of this stack is in progress`, {
            outcome: "not-started",
            transient: false,
            hint: "Find who is updating the stack and wait for it to finish; ferry never cancels another update. If it died, inspect with `pulumi stack export` before `pulumi cancel`.",
            cause: err,
          });
        }
        const pending = operation === "up" && stack !== undefined ? await pendingOperations(stack) : "";
        if (ctx.signal.aborted) {
          const error = abortError(ctx.signal, `interrupted ${subject}${pending}`, operation === "up" ? "unknown" : "failed");
          throw error;
        }
        // CommandError keeps the CLI's stderr, where Pulumi prints the reason.
        const stderr = (err as { commandResult?: { stderr?: string } }).commandResult?.stderr?.trim();
        const detail = tail(stderr || kept.text() || (err as Error).message, 2000);
        throw new ActionError("pulumi-failed", `${subject} failed${pending}\n${detail}`, {
          outcome: operation === "up" ? "unknown" : "failed",
          transient: false,
          stderr: detail,
          hint: operation === "up" ? "Some resources may have changed: run `pulumi stack export` and check pending_operations before retrying." : undefined,
          cause: err,
        });
      }
    },
  };
}

function done(lines: LineSplitter, kept: TailBuffer): string {
  lines.end();
  return kept.text().trim();
}

/** Resources that change in a Pulumi change summary (`same` and `read` are not changes). */
export function countChanges(summary: Partial<Record<string, number>>): { total: number; text: string } {
  const entries = Object.entries(summary).filter(([op, n]) => !UNCHANGED.has(op) && (n ?? 0) > 0);
  return { total: entries.reduce((s, [, n]) => s + (n ?? 0), 0), text: entries.map(([op, n]) => `${n} ${op}`).join(", ") };
}

/** Pending operations from the stack's state, as a sentence fragment, or "" when none or unreadable. */
async function pendingOperations(stack: { exportStack(): Promise<{ deployment?: unknown }> }): Promise<string> {
  try {
    const state = await stack.exportStack();
    const ops = (state.deployment as { pending_operations?: { type?: string; resource?: { urn?: string } }[] } | undefined)?.pending_operations ?? [];
    if (ops.length === 0) return "";
    return `; pending operations left in the stack state (may be real, unrecorded resources; not cleared): ${ops.map((o) => `${o.type ?? "?"} ${o.resource?.urn ?? "?"}`).join("; ")}`;
  } catch {
    return "";
  }
}

const INSTALL_HINT =
  "Install it, then re-run:\n" +
  "    curl -fsSL https://get.pulumi.com | sh      # Linux, macOS (adds ~/.pulumi/bin to PATH)\n" +
  "    brew install pulumi/tap/pulumi              # macOS\n" +
  "    winget install pulumi                       # Windows\n" +
  "  In pipelines use pulumi/actions (GitHub) or the same script (Azure DevOps). See docs/stacks.md.";

/**
 * Run `pulumi version`: the Automation API needs the CLI, and failing here is cheaper and
 * clearer than its ENOENT from deep inside a stack operation. Returns the version text.
 */
export async function pulumiVersion(signal: AbortSignal, timeoutMs: number): Promise<string> {
  const out = new TailBuffer(4096);
  const result = await new Promise<{ code: number | null; err?: NodeJS.ErrnoException }>((resolveRun) => {
    const child = spawn("pulumi", ["version"], { stdio: ["ignore", "pipe", "pipe"], signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]) });
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => out.push(c));
    child.once("error", (err: NodeJS.ErrnoException) => resolveRun({ code: null, err }));
    child.once("close", (code) => resolveRun({ code }));
  });
  if (signal.aborted) throw abortError(signal, "pulumi did not start", "not-started");
  if (result.err?.code === "ENOENT") {
    throw new ActionError("pulumi-missing", "The `pulumi` CLI is not installed (not found on PATH); `ferry deploy` and pulumi steps drive it through the Automation API", {
      outcome: "not-started",
      transient: false,
      hint: INSTALL_HINT,
    });
  }
  if (result.err !== undefined || result.code !== 0) {
    const why = result.err ? (result.err.name === "AbortError" ? `no answer within ${timeoutMs} ms` : result.err.message) : `exit ${result.code}: ${tail(out.text(), 500)}`;
    throw new ActionError("pulumi-missing", `The \`pulumi\` CLI does not work (\`pulumi version\`: ${why})`, {
      outcome: "not-started",
      transient: false,
      hint: "Run `pulumi version` in this shell and fix the installation.",
    });
  }
  return out.text().trim();
}
