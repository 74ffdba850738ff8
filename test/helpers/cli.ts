import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The built CLI, run exactly as a user runs it (`npm test` builds dist/ first). */
export const FERRY = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
export const REPO = fileURLToPath(new URL("../..", import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `ferry args…` in `cwd` and capture everything. */
export function ferry(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): CliResult {
  if (!existsSync(FERRY)) throw new Error(`${FERRY} is missing: run \`npm run build\` first (npm test does)`);
  const r = spawnSync(process.execPath, [FERRY, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: "1", ...opts.env },
    input: opts.input,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
