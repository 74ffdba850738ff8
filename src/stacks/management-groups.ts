import * as pulumi from "@pulumi/pulumi";
import * as management from "@pulumi/azure-native/management/index.js";
import type { LandingZoneTarget } from "../model/stack.js";

/** The CAF hierarchy below the prefix: child → parent (the root's parent is the tenant root). */
export const MANAGEMENT_GROUP_TREE: readonly { suffix: string; parent: string | undefined; displayName: string }[] = [
  { suffix: "", parent: undefined, displayName: "" },
  { suffix: "platform", parent: "", displayName: "Platform" },
  { suffix: "platform-management", parent: "platform", displayName: "Management" },
  { suffix: "platform-connectivity", parent: "platform", displayName: "Connectivity" },
  { suffix: "platform-identity", parent: "platform", displayName: "Identity" },
  { suffix: "landingzones", parent: "", displayName: "Landing zones" },
  { suffix: "landingzones-corp", parent: "landingzones", displayName: "Corp" },
  { suffix: "landingzones-online", parent: "landingzones", displayName: "Online" },
  { suffix: "sandbox", parent: "", displayName: "Sandbox" },
  { suffix: "decommissioned", parent: "", displayName: "Decommissioned" },
];

export interface ManagementGroupsArgs {
  /** `ferry:landingZone`: the prefix and display name. */
  target: LandingZoneTarget;
  /** Management group the hierarchy hangs under. @default the tenant root group */
  parentManagementGroupId?: pulumi.Input<string>;
}

/**
 * The Cloud Adoption Framework management-group tree under one prefix (`wnc`, `wnc-platform`,
 * `wnc-landingzones-corp`…). Tenant-level: created with the default provider, never a
 * subscription's.
 */
export class ManagementGroups extends pulumi.ComponentResource {
  /** By suffix ("" is the intermediate root, e.g. `wnc`). */
  readonly groups: Map<string, management.ManagementGroup> = new Map();

  constructor(name: string, args: ManagementGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:ManagementGroups", name, {}, opts);
    const { target } = args;
    for (const mg of MANAGEMENT_GROUP_TREE) {
      const groupId = mg.suffix ? `${target.prefix}-${mg.suffix}` : target.prefix;
      const parent = mg.parent === undefined ? undefined : this.groups.get(mg.parent)!;
      const parentId = parent ? parent.id : args.parentManagementGroupId;
      const display = mg.suffix ? mg.displayName : (target.displayName ?? target.prefix);
      this.groups.set(
        mg.suffix,
        new management.ManagementGroup(`mg-${groupId}`, { groupId, displayName: display, ...(parentId ? { details: { parent: { id: parentId } } } : {}) }, { parent: this }),
      );
    }
    this.registerOutputs({ managementGroupIds: Object.fromEntries([...this.groups].map(([k, v]) => [k || "root", v.id])) });
  }

  /** The group for a suffix; throws on a suffix outside the tree (a programming error). */
  get(suffix: string): management.ManagementGroup {
    const g = this.groups.get(suffix);
    if (!g) throw new Error(`no management group ${suffix}`);
    return g;
  }
}
