import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as consumption from "@pulumi/azure-native/consumption/index.js";
import * as monitor from "@pulumi/azure-native/monitor/index.js";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights/index.js";
import type { Provider } from "@pulumi/azure-native/provider.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as security from "@pulumi/azure-native/security/index.js";
import type { LandingZoneTarget } from "../model/stack.js";
import type { ManagementGroups } from "./management-groups.js";
import { stableGuid, type Naming } from "./naming.js";
import { BUILTIN_POLICIES, CLASSIC_RESOURCE_TYPES, CUSTOM_POLICIES, ROLES } from "./policies.js";
import type { LandingZoneSubscriptions } from "./subscriptions.js";

export { BUILTIN_POLICIES } from "./policies.js";
export { MANAGEMENT_GROUP_TREE } from "./management-groups.js";

/** A resource whose platform logs and metrics go to the workspace. */
export interface DiagnosticTarget {
  /** Short label used in the setting's logical name, e.g. `hub-firewall`. */
  name: string;
  resourceId: pulumi.Input<string>;
  /** Provider of the resource's subscription. */
  provider?: Provider;
}

export interface LandingZoneArgs {
  /** `ferry:landingZone`: region, allowed locations, required tags, retention, budgets, Defender plans. */
  target: LandingZoneTarget;
  naming: Naming;
  /** Tags for every taggable resource (already checked to contain the required ones). */
  tags: Record<string, string>;
  managementGroups: ManagementGroups;
  subscriptions: LandingZoneSubscriptions;
  /** Resources whose diagnostics go to the Log Analytics workspace. @default [] */
  diagnostics?: DiagnosticTarget[];
  /** "Now", for the budgets' first month. @default new Date() */
  now?: Date;
}

/** Activity log categories sent to the workspace (every category Azure has). */
const ACTIVITY_LOG_CATEGORIES = ["Administrative", "Security", "ServiceHealth", "Alert", "Recommendation", "Policy", "Autoscale", "ResourceHealth"];

/**
 * The governance of an ALZ landing zone: the policy baseline on the management groups (allowed
 * locations, required tags, no classic resources, audit unmanaged disks, the cloud security
 * benchmark, diagnostics to Log Analytics by DeployIfNotExists with its identity's roles; deny
 * public IPs in corp and identity; deny management ports from the internet and subnets without an
 * NSG in the landing zones and identity); the Log Analytics workspace in the management
 * subscription; and per subscription: activity log to the workspace, Defender for Cloud plans and
 * a budget with alerts.
 */
export class LandingZone extends pulumi.ComponentResource {
  readonly policyAssignments: authorization.PolicyAssignment[] = [];
  readonly policyDefinitions: authorization.PolicyDefinitionAtManagementGroup[] = [];
  readonly roleAssignments: authorization.RoleAssignment[] = [];
  readonly workspace: operationalinsights.Workspace;
  readonly workspaceId: pulumi.Output<string>;

  constructor(name: string, args: LandingZoneArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:LandingZone", name, {}, opts);
    const { target, naming, tags, managementGroups: mgs, subscriptions } = args;
    const child = { parent: this };
    const mgmt = subscriptions.get("management");

    const rgName = naming.resourceGroup("management");
    const rg = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location: target.region, tags }, { ...child, provider: mgmt.provider, dependsOn: [mgmt.placement] });
    const workspaceName = naming.name("log", target.region);
    this.workspace = new operationalinsights.Workspace(
      workspaceName,
      { workspaceName, resourceGroupName: rg.name, location: target.region, sku: { name: "PerGB2018" }, retentionInDays: target.logRetentionDays, tags },
      { ...child, provider: mgmt.provider },
    );
    this.workspaceId = this.workspace.id;

    const root = mgs.get("");
    const definitions = new Map<string, authorization.PolicyDefinitionAtManagementGroup>();
    for (const p of CUSTOM_POLICIES) {
      const def = new authorization.PolicyDefinitionAtManagementGroup(
        `pd-${p.name}`,
        {
          managementGroupId: root.name,
          policyDefinitionName: p.name,
          displayName: p.displayName,
          description: p.description,
          policyType: "Custom",
          mode: p.mode,
          parameters: p.parameters as authorization.PolicyDefinitionAtManagementGroupArgs["parameters"],
          policyRule: p.policyRule,
          metadata: { category: "Network", source: "ferry (after Azure Landing Zones)" },
        },
        { parent: this, dependsOn: [root] },
      );
      definitions.set(p.name, def);
      this.policyDefinitions.push(def);
    }

    const assign = (
      suffix: string,
      assignmentName: string,
      displayName: string,
      policyDefinitionId: pulumi.Input<string>,
      parameters: Record<string, pulumi.Input<unknown>>,
      roles: string[] = [],
      after: pulumi.Resource[] = [],
    ): void => {
      const mg = mgs.get(suffix);
      const identity = roles.length > 0;
      const pa = new authorization.PolicyAssignment(
        `pa-${assignmentName}-${suffix || "root"}`,
        {
          // Assignment names at management-group scope are limited to 24 characters.
          policyAssignmentName: assignmentName.slice(0, 24),
          displayName,
          scope: mg.id,
          policyDefinitionId,
          parameters: Object.fromEntries(Object.entries(parameters).map(([k, value]) => [k, { value }])),
          enforcementMode: "Default",
          // DeployIfNotExists and Modify act through the assignment's own identity.
          ...(identity ? { identity: { type: "SystemAssigned" }, location: target.region } : {}),
        },
        { parent: this, dependsOn: [mg, ...after] },
      );
      this.policyAssignments.push(pa);
      for (const role of roles) {
        const principalId = pa.identity.apply((i) => i?.principalId ?? "");
        this.roleAssignments.push(
          new authorization.RoleAssignment(
            `ra-${assignmentName}-${suffix || "root"}-${role.slice(0, 8)}`,
            {
              roleAssignmentName: stableGuid(createHash("sha1").update(`${mg === root ? "root" : suffix}/${assignmentName}/${role}`).digest("hex")),
              scope: mg.id,
              principalId,
              principalType: "ServicePrincipal",
              roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${role}`,
            },
            { parent: this, dependsOn: [pa] },
          ),
        );
      }
    };
    // The built-in "Allowed locations" exempts `global` itself (private DNS zones, Front Door).
    assign("", "allowed-locations", "Allowed locations", BUILTIN_POLICIES.allowedLocations, { listOfAllowedLocations: target.allowedLocations });
    assign("", "allowed-locations-rg", "Allowed locations for resource groups", BUILTIN_POLICIES.allowedLocationsForResourceGroups, { listOfAllowedLocations: target.allowedLocations });
    for (const tag of target.requiredTags) {
      assign("", `tag-${tag}`, `Require tag ${tag} on resources`, BUILTIN_POLICIES.requireTagOnResources, { tagName: tag });
    }
    assign("", "deny-classic-resources", "Deny classic (ASM) resources", BUILTIN_POLICIES.notAllowedResourceTypes, { listOfResourceTypesNotAllowed: CLASSIC_RESOURCE_TYPES });
    assign("", "audit-unmanaged-disks", "Audit VMs that do not use managed disks", BUILTIN_POLICIES.auditUnmanagedDisks, {});
    assign("", "deploy-mcsb", "Microsoft cloud security benchmark", BUILTIN_POLICIES.cloudSecurityBenchmark, {});
    assign("", "deploy-diag-logs", "Resource logs to the Log Analytics workspace", BUILTIN_POLICIES.diagnosticsToLogAnalytics, { logAnalytics: this.workspace.id }, [
      ROLES.logAnalyticsContributor,
      ROLES.monitoringContributor,
    ]);
    const denyPublicIp = { listOfResourceTypesNotAllowed: ["Microsoft.Network/publicIPAddresses"] };
    for (const suffix of ["landingzones-corp", "platform-identity"]) {
      assign(suffix, "deny-public-ip", "Deny public IP addresses", BUILTIN_POLICIES.notAllowedResourceTypes, denyPublicIp);
    }
    assign("landingzones-corp", "deny-pip-on-nic", "Network interfaces should not have public IPs", BUILTIN_POLICIES.nicsWithoutPublicIps, {});
    for (const suffix of ["landingzones", "platform-identity"]) {
      for (const p of CUSTOM_POLICIES) {
        const def = definitions.get(p.name)!;
        assign(suffix, p.name.toLowerCase(), p.displayName, def.id, {}, [], [def]);
      }
    }

    // Per subscription: activity log to the workspace, Defender plans, budget.
    const firstOfMonth = (args.now ?? new Date()).toISOString().slice(0, 8) + "01T00:00:00Z";
    const seen = new Set<Provider>();
    for (const [role, sub] of subscriptions.byRole) {
      // Roles sharing a subscription share its provider: one activity log, one set of plans.
      if (seen.has(sub.provider)) continue;
      seen.add(sub.provider);
      const inSub = { parent: this, provider: sub.provider, dependsOn: [sub.placement] };
      new monitor.SubscriptionDiagnosticSetting(
        `activity-log-${role}`,
        { name: `to-${workspaceName}`, workspaceId: this.workspace.id, logs: ACTIVITY_LOG_CATEGORIES.map((category) => ({ category, enabled: true })) },
        inSub,
      );
      for (const plan of target.defenderPlans) {
        new security.Pricing(`defender-${role}-${plan}`, { pricingName: plan, pricingTier: "Standard", scopeId: pulumi.interpolate`/subscriptions/${sub.subscriptionId}` }, inSub);
      }
      const amount = target.subscriptions?.[role]?.monthlyBudget;
      if (amount !== undefined && target.budgetAlerts) {
        const alerts = target.budgetAlerts;
        new consumption.Budget(
          `budget-${role}`,
          {
            budgetName: naming.name("budget", role),
            scope: pulumi.interpolate`/subscriptions/${sub.subscriptionId}`,
            amount,
            category: "Cost",
            timeGrain: "Monthly",
            timePeriod: { startDate: firstOfMonth },
            notifications: Object.fromEntries(
              alerts.thresholds.map((threshold) => [
                `actual-${threshold}`,
                { enabled: true, operator: "GreaterThanOrEqualTo", threshold, thresholdType: "Actual", contactEmails: alerts.contactEmails },
              ]),
            ),
          },
          // Azure accepts a past start only within the current month: keep the month it was created in.
          { ...inSub, ignoreChanges: ["timePeriod"] },
        );
      }
    }

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
        { parent: this, ...(d.provider ? { provider: d.provider } : {}) },
      );
    }

    this.registerOutputs({ workspaceId: this.workspaceId });
  }
}
