/**
 * Pulumi unit-test mocks for the stacks program: records every registered resource with its
 * resolved inputs, maps physical names the way Azure would, and computes what Azure computes
 * (the firewall's private IP, management-group ids, the client config).
 */
import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { formatAddress, parsePrefix } from "../../src/network/prefix.js";

/** A resource as the mock saw it. */
export interface Recorded {
  type: string;
  /** Logical (Pulumi) name. */
  logical: string;
  /** Physical name (what Azure would call it). */
  name: string;
  id: string;
  inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  state: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Id of the explicit provider the resource was registered with (a `pulumi:providers:azure-native`), if any. */
  providerId?: string;
}

/** The GUID Azure would give a new subscription, derived from its alias for the tests. */
export function mockSubscriptionId(alias: string): string {
  const hex = createHash("sha1").update(alias).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

export const SUBSCRIPTION = "00000000-0000-0000-0000-00000000c0de";

/** Install mocks for `project`/`stack` and return the live list of recorded resources. */
export function installMocks(stack: string, config: Record<string, unknown>, secretKeys: string[] = []): Recorded[] {
  const recorded: Recorded[] = [];
  const byId = new Map<string, Recorded>();
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    secretKeys,
  );
  void pulumi.runtime.setMocks(
    {
      newResource(args) {
        const cls = args.type.split(":")[2] ?? "";
        const physicalKey = Object.keys(args.inputs).find((k) => k.toLowerCase() === `${cls.toLowerCase()}name`);
        let name: string = physicalKey ? args.inputs[physicalKey] : (args.inputs.name ?? args.name);
        if (args.type === "azure-native:management:ManagementGroup") name = args.inputs.groupId;
        const id =
          args.type === "azure-native:management:ManagementGroup"
            ? `/providers/Microsoft.Management/managementGroups/${name}`
            : `/mock/${args.type}/${args.name}`;
        const state: Record<string, unknown> = { ...args.inputs, name };
        if (args.type === "azure-native:network:AzureFirewall") {
          // Azure gives the firewall the fourth address of AzureFirewallSubnet (x.x.x.4).
          const configs = args.inputs.ipConfigurations as { subnet: { id: string } }[];
          const subnet = byId.get(configs[0]!.subnet.id);
          const prefix = parsePrefix(subnet!.inputs.addressPrefix as string)!;
          state.ipConfigurations = configs.map((c, i) => ({ ...c, privateIPAddress: i === 0 ? formatAddress(4, prefix.start + 4n) : undefined }));
        }
        if (args.type === "azure-native:subscription:Alias") {
          state.properties = { ...args.inputs.properties, subscriptionId: mockSubscriptionId(args.inputs.aliasName as string) };
        }
        if (args.type === "azure-native:authorization:PolicyAssignment" && args.inputs.identity?.type === "SystemAssigned") {
          // Azure gives the assignment's managed identity a principal id.
          state.identity = { ...args.inputs.identity, principalId: mockSubscriptionId(`principal/${args.name}`) };
        }
        const r: Recorded = { type: args.type, logical: args.name, name, id, inputs: args.inputs, state };
        if (args.provider) r.providerId = args.provider.split("::").pop()!;
        recorded.push(r);
        byId.set(id, r);
        return { id, state };
      },
      call(args) {
        if (args.token === "azure-native:authorization:getClientConfig") {
          return { subscriptionId: SUBSCRIPTION, tenantId: "00000000-0000-0000-0000-0000000000aa", clientId: "c", objectId: "o" };
        }
        if (args.token === "azure-native:desktopvirtualization:getHostPoolRegistrationToken") {
          return { token: `registration-token-for-${args.inputs.hostPoolName}`, expirationTime: "2030-01-01T00:00:00Z" };
        }
        return args.inputs;
      },
    },
    "ferry",
    stack,
    false,
  );
  return recorded;
}

/** Wait until every resource registration the program started has reached the mocks. */
export async function settle(): Promise<void> {
  const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
  if (!runtime.waitForRPCs) throw new Error("this @pulumi/pulumi has no runtime.waitForRPCs; update the test harness");
  await runtime.waitForRPCs();
}

/** Resolve an Output in a test. */
export function valueOf<T>(o: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => o.apply((v) => resolve(v)));
}

/** Resources of a type, e.g. `network:Subnet`. */
export function ofType(recorded: Recorded[], type: string): Recorded[] {
  return recorded.filter((r) => r.type === `azure-native:${type}`);
}
