import * as pulumi from "@pulumi/pulumi";
import * as management from "@pulumi/azure-native/management/index.js";
import { Provider } from "@pulumi/azure-native/provider.js";
import * as subscription from "@pulumi/azure-native/subscription/index.js";
import { SUBSCRIPTION_PLACEMENT, SUBSCRIPTION_ROLES, type SubscriptionRole, type Subscriptions } from "../model/stack.js";
import type { ManagementGroups } from "./management-groups.js";

/** One subscription of the landing zone, ready to deploy into. */
export interface PlacedSubscription {
  role: SubscriptionRole;
  subscriptionId: pulumi.Output<string>;
  /** The azure-native provider bound to this subscription: every resource in it uses this. */
  provider: Provider;
  /** The placement under its management group; resources wait for it, so policy governs them from the start. */
  placement: management.ManagementGroupSubscription;
}

export interface SubscriptionsArgs {
  /** `ferry:landingZone.subscriptions`. */
  subscriptions: Subscriptions;
  managementGroups: ManagementGroups;
  /** Tenant for the providers. @default the deploying identity's */
  tenantId?: pulumi.Input<string>;
}

/**
 * The landing zone's subscriptions: existing ones by id, new ones by `subscription.Alias`
 * under a billing scope; each placed under its management group (connectivity under
 * platform-connectivity, corp and avd under landingzones-corp…) with ManagementGroupSubscription,
 * and each given its own provider. The placement uses that provider too: azure-native takes the
 * subscription of a ManagementGroupSubscription from its provider.
 */
export class LandingZoneSubscriptions extends pulumi.ComponentResource {
  readonly byRole: Map<SubscriptionRole, PlacedSubscription> = new Map();

  constructor(name: string, args: SubscriptionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:LandingZoneSubscriptions", name, {}, opts);
    // Two roles may share one subscription only when they sit under the same group (validate checks).
    const seen = new Map<string, PlacedSubscription>();
    for (const role of SUBSCRIPTION_ROLES) {
      const ref = args.subscriptions[role];
      if (!ref) continue;
      const key = ref.id?.toLowerCase() ?? `alias:${ref.alias}`;
      const shared = seen.get(key);
      if (shared) {
        this.byRole.set(role, { ...shared, role });
        continue;
      }
      let subscriptionId: pulumi.Output<string>;
      if (ref.id) {
        subscriptionId = pulumi.output(ref.id);
      } else {
        const alias = new subscription.Alias(
          `sub-${ref.alias}`,
          {
            aliasName: ref.alias!,
            properties: { displayName: ref.displayName ?? ref.alias!, billingScope: ref.billingScope!, workload: ref.workload },
          },
          // A subscription is not deleted by removing it from a stack file: Azure cancels it only on request.
          { parent: this, protect: true },
        );
        subscriptionId = alias.properties.apply((p) => p.subscriptionId);
      }
      const provider = new Provider(`azure-${role}`, { subscriptionId, ...(args.tenantId ? { tenantId: args.tenantId } : {}) }, { parent: this });
      const group = args.managementGroups.get(SUBSCRIPTION_PLACEMENT[role]);
      const placement = new management.ManagementGroupSubscription(`mgsub-${role}`, { groupId: group.name }, { parent: this, provider, dependsOn: [group] });
      const placed = { role, subscriptionId, provider, placement };
      this.byRole.set(role, placed);
      seen.set(key, placed);
    }
    this.registerOutputs({ subscriptionIds: Object.fromEntries([...this.byRole].map(([r, s]) => [r, s.subscriptionId])) });
  }

  /** The subscription of a role; without an avd subscription the desktops live in corp (the same management group). */
  get(role: SubscriptionRole): PlacedSubscription {
    const s = this.byRole.get(role) ?? (role === "avd" ? this.byRole.get("corp") : undefined);
    if (!s) throw new Error(`the landing zone has no ${role} subscription`);
    return s;
  }
}
