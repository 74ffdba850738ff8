/**
 * The PostgreSQL client and its tools (pg, node-pg-migrate, graphile-worker) load only when a
 * `postgres://` state is named: commands on the file state, and `--help` of the team commands,
 * never load them. Each command runs in a fresh node with a preload recording every module.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, useModuleRecorder } from "../harness/modules-loaded.js";

const modulesLoadedBy = useModuleRecorder();
const { FERRY_STATE: _ignored, ...withoutState } = process.env;

const dbModules = (modules: string[]) => modules.filter((m) => /[\\/]node_modules[\\/](pg|pg-pool|pg-protocol|node-pg-migrate|graphile-worker)[\\/]/.test(m));

describe("start-up cost of team state", () => {
  it("the recorder sees the database client when something does load it", async () => {
    const { modules } = await modulesLoadedBy("control", ["--input-type=module", "-e", "await import('pg')"], withoutState);
    expect(dbModules(modules).length).toBeGreaterThan(0);
  });

  for (const [name, args, reaches] of [
    ["help", ["--help"], "commander"],
    ["state-help", ["state", "migrate", "--help"], "commander"],
    ["runner-help", ["runner", "--help"], "commander"],
    ["status-files", ["status", "--dir", "."], "/src/cli/status.ts"],
  ] as const) {
    it(`ferry ${args.join(" ")} loads no database client`, async () => {
      const { modules, code } = await modulesLoadedBy(name, [join(ROOT, "src", "cli", "main.ts"), ...args], withoutState);
      expect([0, 1, 2]).toContain(code);
      expect(modules.some((m) => m.includes(reaches))).toBe(true);
      expect(dbModules(modules)).toEqual([]);
    });
  }
});
