import { join } from "node:path";
import type * as NetworkModule from "@pulumi/azure-native/network/index.js";
import { describe, expect, it, vi } from "vitest";
import { describeStackGraph } from "./graph.js";
import { assertValid, loadProject } from "../../src/model/load.js";

// Record what each peering waits for: Pulumi's mocks see inputs, not dependsOn.
const peeringDeps = vi.hoisted(() => new Map<string, string[]>());
vi.mock("@pulumi/azure-native/network/index.js", async (importOriginal) => {
  const orig = await importOriginal<typeof NetworkModule>();
  class RecordingPeering extends orig.VirtualNetworkPeering {
    constructor(name: string, args: ConstructorParameters<typeof orig.VirtualNetworkPeering>[1], opts?: ConstructorParameters<typeof orig.VirtualNetworkPeering>[2]) {
      const deps = (Array.isArray(opts?.dependsOn) ? opts.dependsOn : []) as unknown as { __name?: string }[];
      peeringDeps.set(name, deps.map((d) => d.__name ?? "?"));
      super(name, args, opts);
    }
  }
  return { ...orig, VirtualNetworkPeering: RecordingPeering };
});
// The prod stack is built from the bundled example: its Citrix applications bound for AVD
// become the RemoteApps, so the test follows the estate the planner uses.
const project = await loadProject(join(import.meta.dirname, "..", ".."));
assertValid(project);

describeStackGraph({
  env: "prod",
  estate: project.estate,
  // The council fills in its groups before the first desktops wave (validate warns until then).
  tweak: (config) => {
    (config["ferry:desktops"] as { userGroups: string[] }).userGroups = ["11111111-2222-3333-4444-555555555555"];
  },
});

describe("the prod stack's peerings", () => {
  it("chains the DR hub's hub-side peering after every spoke's (one hub write at a time)", () => {
    const hubSide = [...peeringDeps.keys()].filter((n) => n.startsWith("peer-hub-to-"));
    expect(hubSide).toEqual(["peer-hub-to-corp-apps", "peer-hub-to-avd", "peer-hub-to-online", "peer-hub-to-ukwest"]);
    hubSide.slice(1).forEach((name, i) => expect(peeringDeps.get(name), name).toContain(hubSide[i]));
    expect(peeringDeps.get("peer-ukwest-to-hub")).toContain("peer-hub-to-ukwest");
  });
});
