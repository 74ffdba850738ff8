import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as management from "@pulumi/azure-native/management/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import type { LandingZoneTarget } from "../model/stack.js";
import type { Naming } from "./naming.js";

/** Built-in policy definitions the landing zone assigns (ids are the same in every tenant). */
export const BUILTIN_POLICIES = {
  allowedLocations: "/providers/Microsoft.Authorization/policyDefinitions/e56962a6-4747-49cd-b67b-bf8b01975c4c",
  allowedLocationsForResourceGroups: "/providers/Microsoft.Authorization/policyDefinitions/e765b5de-1225-4ba3-bd56-1ac6695af988",
  requireTagOnResources: "/providers/Microsoft.Authorization/policyDefinitions/871b6d14-10aa-478d-b590-94f262ecfa99",
  notAllowedResourceTypes: "/providers/Microsoft.Authorization/policyDefinitions/6c112d4e-5bc7-47ae-a041-ea2d9dccd749",
  nicsWithoutPublicIps: "/providers/Microsoft.Authorization/policyDefinitions/83a86a26-fd1f-447c-b59d-e51f44264114",
} as const;

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

/** A resource whose platform logs and metrics go to the workspace. */
export interface DiagnosticTarget {
  /** Short label used in the setting's logical name, e.g. `hub-firewall`. */
  name: string;
  resourceId: pulumi.Input<string>;
}

export interface LandingZoneArgs {
  /** `ferry:landingZone`: prefix, display name, region, allowed locations, required tags, retention. */
  target: LandingZoneTarget;
  naming: Naming;
  /** Tags for every taggable resource (already checked to contain the required ones). */
  tags: Record<string, string>;
  /** Hub resources whose diagnostics go to the Log Analytics workspace. @default [] */
  diagnostics?: DiagnosticTarget[];
  /** Management group the hierarchy hangs under. @default the tenant root group */
  parentManagementGroupId?: pulumi.Input<string>;
}

/**
 * A Cloud Adoption Framework landing zone: the management-group hierarchy under a prefix, the
 * guardrail policy assignments (allowed locations, required tags, no public IPs in corp), a
 * Log Analytics workspace and diagnostic settings for the hub's resources.
 */
export class LandingZone extends pulumi.ComponentResource {
  /** Management groups by suffix ("" is the intermediate root, e.g. `wnc`). */
  readonly managementGroups: Map<string, management.ManagementGroup>;
  readonly policyAssignments: authorization.PolicyAssignment[] = [];
  readonly workspace: operationalinsights.Workspace;
  readonly workspaceId: pulumi.Output<string>;

  constructor(name: string, args: LandingZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:LandingZone", name, {}, opts);
    const { target, naming, tags } = args;
    const child = { parent: this };

    this.managementGroups = new Map();
    for (const mg of MANAGEMENT_GROUP_TREE) {
      const groupId = mg.suffix ? `${target.prefix}-${mg.suffix}` : target.prefix;
      const parent = mg.parent === undefined ? undefined : this.managementGroups.get(mg.parent)!;
      const parentId = parent ? parent.id : args.parentManagementGroupId;
      const display = mg.suffix ? mg.displayName : (target.displayName ?? target.prefix);
      this.managementGroups.set(
        mg.suffix,
        new management.ManagementGroup(`mg-${groupId}`, { groupId, displayName: display, ...(parentId ? { details: { parent: { id: parentId } } } : {}) }, child),
      );
    }
    const root = this.managementGroups.get("")!;
    const corp = this.managementGroups.get("landingzones-corp")!;

    const assign = (mg: management.ManagementGroup, assignmentName: string, displayName: string, policyDefinitionId: string, parameters: Record<string, unknown>): void => {
      this.policyAssignments.push(
        new authorization.PolicyAssignment(
          `pa-${assignmentName}-${mg === root ? "root" : "corp"}`,
          {
            // Assignment names at management-group scope are limited to 24 characters.
            policyAssignmentName: assignmentName.slice(0, 24),
            displayName,
            scope: mg.id,
            policyDefinitionId,
            parameters: Object.fromEntries(Object.entries(parameters).map(([k, value]) => [k, { value }])),
            enforcementMode: "Default",
          },
          { parent: this, dependsOn: [mg] },
        ),
      );
    };
    assign(root, "allowed-locations", "Allowed locations", BUILTIN_POLICIES.allowedLocations, { listOfAllowedLocations: target.allowedLocations });
    assign(root, "allowed-locations-rg", "Allowed locations for resource groups", BUILTIN_POLICIES.allowedLocationsForResourceGroups, {
      listOfAllowedLocations: target.allowedLocations,
    });
    for (const tag of target.requiredTags) {
      assign(root, `tag-${tag}`, `Require tag ${tag} on resources`, BUILTIN_POLICIES.requireTagOnResources, { tagName: tag });
    }
    assign(corp, "deny-public-ip", "Deny public IP addresses in corp", BUILTIN_POLICIES.notAllowedResourceTypes, {
      listOfResourceTypesNotAllowed: ["Microsoft.Network/publicIPAddresses"],
    });
    assign(corp, "deny-pip-on-nic", "Network interfaces should not have public IPs", BUILTIN_POLICIES.nicsWithoutPublicIps, {});

    const rg = new resources.ResourceGroup(
      naming.resourceGroup("management"),
      { resourceGroupName: naming.resourceGroup("management"), location: target.region, tags },
      child,
    );
    const workspaceName = naming.name("log", target.region);
    this.workspace = new operationalinsights.Workspace(
      workspaceName,
      { workspaceName, resourceGroupName: rg.name, location: target.region, sku: { name: "PerGB2018" }, retentionInDays: target.logRetentionDays, tags },
      child,
    );
    this.workspaceId = this.workspace.id;

    for (const d of args.diagnostics ?? []) {
      new monitor.DiagnosticSetting(
        `diag-${d.name}`,
        {
          name: `to-${workspaceName}`,
          resourceUri: d.resourceId,
          workspaceId: this.workspace.id,
          logs: [{ categoryGroup: "allLogs", enabled: true }],
          metrics: [{ category: "AllMetrics", enabled: true }],
        },
        child,
      );
    }

    this.registerOutputs({
      managementGroupIds: Object.fromEntries([...this.managementGroups].map(([k, v]) => [k || "root", v.id])),
      workspaceId: this.workspaceId,
    });
  }
}
