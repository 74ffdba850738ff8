import { describe, expect, it } from "vitest";
import { createActions } from "../../src/actions/index.js";
import { testContext } from "../harness/action-context.js";

describe("createActions", () => {
  it("registers every action under its kind, SSH included", async () => {
    const { registry, close } = createActions({ ssh: { sshConfigPath: false, knownHostsFiles: [], agent: false, identityFiles: [] } });
    for (const kind of ["ssh", "copy", "local", "http", "tcp", "dns", "wait", "approval", "pulumi"] as const) expect(registry[kind]?.kind).toBe(kind);
    expect(await registry.wait!.run(testContext(), "0s")).toEqual({ waitedMs: 0 });
    await close();
  });

  it("leaves SSH out when asked to", async () => {
    const { registry, close } = createActions({ ssh: false });
    expect(registry.ssh).toBeUndefined();
    expect(registry.copy).toBeUndefined();
    expect(registry.local?.kind).toBe("local");
    await close();
  });

  it("does not load the Pulumi Automation API until a pulumi step runs", async () => {
    createActions({ ssh: false });
    const loaded = Object.keys((await import("node:module")).createRequire(import.meta.url).cache).some((k) => k.includes("@pulumi/pulumi/automation"));
    expect(loaded).toBe(false);
  });
});
