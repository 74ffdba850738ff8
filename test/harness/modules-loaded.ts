/**
 * Which modules a command loads, for the start-up tests: the command runs in a fresh node with
 * a preload (record-modules.mjs) that logs every module it resolves, and tsx for the sources.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

export const ROOT = join(import.meta.dirname, "..", "..");
const HOOK = join(import.meta.dirname, "record-modules.mjs");

export type ModulesLoadedBy = (name: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<{ modules: string[]; code: number | null }>;

/** Sets up a scratch folder for the logs in this test file and returns the recorder. */
export function useModuleRecorder(): ModulesLoadedBy {
  let work = "";
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "ferry-modules-"));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });
  return async (name, args, env = process.env) => {
    const log = join(work, `${name}.log`);
    const code = await new Promise<number | null>((done) => {
      execFile(process.execPath, ["--import", HOOK, "--import", "tsx", ...args], { cwd: ROOT, env: { ...env, FERRY_MODULE_LOG: log }, timeout: 60_000 }, (err) =>
        done(err ? ((err as { code?: number }).code ?? 1) : 0),
      );
    });
    const text = await readFile(log, "utf8").catch(() => "");
    return { modules: text.split("\n").filter(Boolean), code };
  };
}
