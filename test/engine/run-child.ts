/**
 * Runs fixtures/run-child.ts as a separate ferry process that kills itself with SIGKILL at a
 * chosen journal record. Bundled once per test file with esbuild: starting it through tsx for
 * every trial would cost most of the test's time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChildConfig } from "./fixtures/run-child.js";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

/** Bundle the child; returns its path. */
export async function bundleChild(tag: string): Promise<string> {
  const out = join(REPO, "test-artifacts", `run-child-${tag}-${process.pid}.mjs`);
  mkdirSync(join(REPO, "test-artifacts"), { recursive: true });
  const { build } = await import("esbuild");
  await build({
    entryPoints: [join(REPO, "test/engine/fixtures/run-child.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    outfile: out,
    logLevel: "warning",
  });
  return out;
}

export interface ChildResult {
  killed: boolean;
  code: number | null;
  records?: number;
  exitCode?: number;
  /** The error code a child that stopped on a refused record reports. */
  error?: string;
}

/** Run the child to its end or its kill; `onSpawn` gets the process (to stop and continue it). */
export function runChild(bundle: string, cfg: ChildConfig, onSpawn?: (child: ChildProcess) => void): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle], { cwd: REPO, env: { ...process.env, FERRY_CHILD: JSON.stringify(cfg) }, stdio: ["ignore", "pipe", "inherit"] });
    onSpawn?.(child);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.once("error", reject);
    child.once("close", (code, signal) => {
      const parsed = out.trim() ? (JSON.parse(out) as { exitCode?: number; records: number; error?: string }) : undefined;
      resolve({ killed: signal === "SIGKILL", code, records: parsed?.records, exitCode: parsed?.exitCode, ...(parsed?.error ? { error: parsed.error } : {}) });
    });
  });
}
