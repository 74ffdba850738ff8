/**
 * The PostgreSQL client and its tools (pg, node-pg-migrate, graphile-worker) load only when a
 * `postgres://` state is named: commands on the file state, and `--help` of the team commands,
 * never load them. Each command runs in a fresh node with a preload recording every module.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..", "..");
const HOOK = join(ROOT, "test", "stacks", "fixtures", "record-modules.mjs");
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ferry-modules-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function modulesLoadedBy(name: string, args: string[]): Promise<{ modules: string[]; code: number | null }> {
  const log = join(work, `${name}.log`);
  const env: NodeJS.ProcessEnv = { ...process.env, FERRY_MODULE_LOG: log };
  delete env.FERRY_STATE;
  const code = await new Promise<number | null>((done) => {
    execFile(process.execPath, ["--import", HOOK, "--import", "tsx", ...args], { cwd: ROOT, env, timeout: 60_000 }, (err) => done(err ? ((err as { code?: number }).code ?? 1) : 0));
  });
  const text = await readFile(log, "utf8").catch(() => "");
  return { modules: text.split("\n").filter(Boolean), code };
}

const dbModules = (modules: string[]) => modules.filter((m) => /[\\/]node_modules[\\/](pg|pg-pool|pg-protocol|node-pg-migrate|graphile-worker)[\\/]/.test(m));

describe("start-up cost of team state", () => {
  it("the recorder sees the database client when something does load it", async () => {
    const { modules } = await modulesLoadedBy("control", ["--input-type=module", "-e", "await import('pg')"]);
    expect(dbModules(modules).length).toBeGreaterThan(0);
  });

  for (const [name, args, reaches] of [
    ["help", ["--help"], "commander"],
    ["state-help", ["state", "migrate", "--help"], "commander"],
    ["runner-help", ["runner", "--help"], "commander"],
    ["status-files", ["status", "--dir", "."], "/src/cli/status.ts"],
  ] as const) {
    it(`ferry ${args.join(" ")} loads no database client`, async () => {
      const { modules, code } = await modulesLoadedBy(name, [join(ROOT, "src", "cli", "main.ts"), ...args]);
      expect([0, 1, 2]).toContain(code);
      expect(modules.some((m) => m.includes(reaches))).toBe(true);
      expect(dbModules(modules)).toEqual([]);
    });
  }
});
