/**
 * Commands that do not deploy must never load the Pulumi runtime or azure-native (issue 6,
 * item 7): they would add seconds to every `ferry validate` in a pipeline. Each command runs
 * in a fresh node with a preload that records every module it loads.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT, useModuleRecorder } from "../harness/modules-loaded.js";

const modulesLoadedBy = useModuleRecorder();

const pulumiModules = (modules: string[]) => modules.filter((m) => /[\\/]node_modules[\\/]@pulumi[\\/]/.test(m));

describe("start-up cost", () => {
  it("the recorder sees @pulumi modules when something does load them", async () => {
    const { modules } = await modulesLoadedBy("control", ["--input-type=module", "-e", "await import('@pulumi/pulumi')"]);
    expect(pulumiModules(modules).length).toBeGreaterThan(0);
  });

  // Each command with a module it must reach, so a command that stops early cannot pass vacuously.
  for (const [name, args, reaches] of [
    ["help", ["--help"], "commander"],
    ["validate", ["validate", "--dir", "."], "/src/model/load.ts"],
    ["plan", ["plan", "--dir", ".", "--json"], "/src/model/load.ts"],
    ["network", ["network", "--dir", ".", "--json"], "/src/model/load.ts"],
    ["deploy-help", ["deploy", "--help"], "commander"],
  ] as const) {
    it(`ferry ${args.join(" ")} loads neither @pulumi/pulumi nor @pulumi/azure-native`, async () => {
      const { modules, code } = await modulesLoadedBy(name, [join(ROOT, "src", "cli", "main.ts"), ...args]);
      // The command ran (whatever the example estate's state, exit codes 0-2 are answers, not crashes).
      expect([0, 1, 2]).toContain(code);
      expect(modules.some((m) => m.includes(reaches))).toBe(true);
      expect(pulumiModules(modules)).toEqual([]);
    });
  }
});
