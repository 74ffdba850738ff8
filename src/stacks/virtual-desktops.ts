import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as desktopvirtualization from "@pulumi/azure-native/desktopvirtualization/index.js";
import * as keyvault from "@pulumi/azure-native/keyvault/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import type * as privatedns from "@pulumi/azure-native/privatedns/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import * as storage from "@pulumi/azure-native/storage/index.js";
import type { DesktopsTarget } from "../model/stack.js";
import { stableGuid, type Naming } from "./naming.js";
import { ROLES } from "./policies.js";
import type { RemoteAppSpec } from "./remote-apps.js";
import { SessionHosts } from "./session-hosts.js";
import type { PlacedSubscription } from "./subscriptions.js";

/** Built-in role "Desktop Virtualization User": lets a group use an application group. */
export const DESKTOP_VIRTUALIZATION_USER = ROLES.desktopVirtualizationUser;

/** Private DNS zones the desktops need (FSLogix on Azure Files, Key Vault, the AVD feed). */
export const DESKTOP_PRIVATE_DNS_ZONES = ["privatelink.file.core.windows.net", "privatelink.vaultcore.azure.net", "privatelink.wvd.microsoft.com"];

export interface VirtualDesktopsArgs {
  /** `ferry:desktops`: host pool, session hosts, user groups, scaling, profile share. */
  desktops: DesktopsTarget;
  /** RemoteApps to publish, from the estate's Citrix applications (see remoteAppsFor). */
  apps: RemoteAppSpec[];
  location: string;
  naming: Naming;
  tags: Record<string, string>;
  /** The subscription the desktops live in (avd, else corp). */
  subscription: PlacedSubscription;
  /** The desktops spoke's subnets by name and purpose. */
  subnets: { name: string; purpose: string; id: pulumi.Input<string> }[];
  /** Private DNS zones (in the hub) by name, for the private endpoints' records. */
  privateDnsZones: Map<string, privatedns.PrivateZone>;
  /** Local administrator password of the session hosts (secret). Required with session hosts. */
  adminPassword?: pulumi.Input<string>;
  /** AD DS join password (secret), with join ad. */
  domainJoinPassword?: pulumi.Input<string>;
  /** "Now", for the registration token's expiry. @default new Date() */
  now?: Date;
}

/** One audience: the Entra ID groups that see a set of RemoteApps. */
interface Audience {
  key: string;
  groups: string[];
  apps: RemoteAppSpec[];
}

/** Group applications by who uses them: those without their own groups go to `desktops.userGroups`. */
export function audiencesOf(apps: RemoteAppSpec[], defaultGroups: string[]): Audience[] {
  const byKey = new Map<string, Audience>();
  for (const app of apps) {
    const groups = app.userGroups ?? [...defaultGroups].map((g) => g.toLowerCase()).sort();
    const key = groups.length === 0 ? "nobody" : createHash("sha1").update(groups.join(",")).digest("hex").slice(0, 6);
    const a = byKey.get(key) ?? { key, groups, apps: [] };
    a.apps.push(app);
    byKey.set(key, a);
  }
  return [...byKey.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
}

/**
 * The Citrix replacement, after the AVD landing zone accelerator: a pooled host pool (RemoteApp
 * preferred, Start VM on Connect), one RemoteApp application group per audience (apps whose users
 * are the same Entra ID groups share one) with "Desktop Virtualization User" for those groups, a
 * workspace publishing them, a scaling plan, the AVD service principal's Power On roles, a Key
 * Vault for the hosts' secrets and FSLogix profiles on Azure Files premium (both reached by
 * private endpoint only), and the session hosts registered with the pool's token.
 */
export class VirtualDesktops extends pulumi.ComponentResource {
  readonly hostPool: desktopvirtualization.HostPool;
  readonly applicationGroups: desktopvirtualization.ApplicationGroup[] = [];
  readonly applications: desktopvirtualization.Application[] = [];
  readonly workspace: desktopvirtualization.Workspace;
  readonly roleAssignments: authorization.RoleAssignment[] = [];
  readonly scalingPlan: desktopvirtualization.ScalingPlan;
  readonly vault: keyvault.Vault;
  readonly profileStorage: storage.StorageAccount;
  readonly sessionHosts?: SessionHosts;

  constructor(name: string, args: VirtualDesktopsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:VirtualDesktops", name, {}, opts);
    const { desktops, naming, location, tags, subscription } = args;
    const provider = subscription.provider;
    const child = { parent: this, provider };
    const sub = subscription.subscriptionId;
    const roleId = (role: string) => pulumi.interpolate`/subscriptions/${sub}/providers/Microsoft.Authorization/roleDefinitions/${role}`;
    const grant = (label: string, scope: pulumi.Input<string>, scopeKey: string, principalId: string, principalType: "Group" | "ServicePrincipal", role: string) =>
      this.roleAssignments.push(
        new authorization.RoleAssignment(
          `ra-${label}-${principalId.slice(0, 8)}-${role.slice(0, 8)}`,
          { roleAssignmentName: stableGuid(createHash("sha1").update(`${scopeKey}/${principalId}/${role}`).digest("hex")), scope, principalId, principalType, roleDefinitionId: roleId(role) },
          child,
        ),
      );
    const rg = (workload: string) => {
      const n = naming.resourceGroup(workload, location);
      return new resources.ResourceGroup(n, { resourceGroupName: n, location, tags }, { ...child, dependsOn: [subscription.placement] });
    };
    const serviceRg = rg("avd-service-objects");
    const computeRg = rg("avd-pool-compute");
    const storageRg = rg("avd-storage");

    // The token must expire 1 h to 30 days ahead; it is set when the pool is created and left
    // alone afterwards (ignoreChanges), so a scheduled drift check stays quiet. Renew before
    // adding hosts later: see docs/stacks.md.
    const now = args.now ?? new Date();
    const expiry = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 2)).toISOString();
    this.hostPool = new desktopvirtualization.HostPool(
      desktops.hostPoolName,
      {
        hostPoolName: desktops.hostPoolName,
        resourceGroupName: serviceRg.name,
        location,
        hostPoolType: "Pooled",
        loadBalancerType: desktops.loadBalancer,
        preferredAppGroupType: "RailApplications",
        maxSessionLimit: desktops.maxSessionLimit,
        startVMOnConnect: true,
        validationEnvironment: false,
        registrationInfo: { expirationTime: expiry, registrationTokenOperation: "Update" },
        // Entra ID single sign-on for Entra-joined hosts; FSLogix needs nothing here.
        customRdpProperty: desktops.sessionHosts?.join === "entra" ? "targetisaadjoined:i:1;enablerdsaadauth:i:1;" : "",
        friendlyName: "Council applications",
        tags,
      },
      { ...child, ignoreChanges: ["registrationInfo"] },
    );

    for (const audience of audiencesOf(args.apps, desktops.userGroups)) {
      const groupName = naming.name("vdag", "rapp", audience.key, location);
      const group = new desktopvirtualization.ApplicationGroup(
        groupName,
        {
          applicationGroupName: groupName,
          resourceGroupName: serviceRg.name,
          location,
          applicationGroupType: "RemoteApp",
          hostPoolArmPath: this.hostPool.id,
          friendlyName: `Council applications (${audience.apps.map((a) => a.friendlyName).join(", ")})`.slice(0, 64),
          tags,
        },
        child,
      );
      this.applicationGroups.push(group);
      for (const app of audience.apps) {
        this.applications.push(
          new desktopvirtualization.Application(
            `${groupName}-${app.id}`,
            {
              applicationName: app.id,
              applicationGroupName: group.name,
              resourceGroupName: serviceRg.name,
              friendlyName: app.friendlyName,
              filePath: app.filePath,
              applicationType: "InBuilt",
              ...(app.commandLineArguments ? { commandLineSetting: "Require", commandLineArguments: app.commandLineArguments } : { commandLineSetting: "DoNotAllow" }),
              showInPortal: true,
            },
            child,
          ),
        );
      }
      for (const g of audience.groups) grant(groupName, group.id, groupName, g, "Group", ROLES.desktopVirtualizationUser);
    }
    const workspaceName = naming.name("vdws", location);
    this.workspace = new desktopvirtualization.Workspace(
      workspaceName,
      { workspaceName, resourceGroupName: serviceRg.name, location, friendlyName: "West Northamptonshire apps", applicationGroupReferences: this.applicationGroups.map((g) => g.id), tags },
      child,
    );

    const everyone = [...new Set(audiencesOf(args.apps, desktops.userGroups).flatMap((a) => a.groups))].sort();
    // Entra-joined hosts let users sign in only with this role on the VMs.
    if (desktops.sessionHosts?.join === "entra") for (const g of everyone) grant("vm-login", computeRg.id, "avd-pool-compute", g, "Group", ROLES.virtualMachineUserLogin);

    // Start VM on Connect (Power On) and the scaling plan (Power On Off) act as the AVD service principal.
    if (desktops.avdServicePrincipalObjectId) {
      const sp = desktops.avdServicePrincipalObjectId;
      grant("avd-power-on", computeRg.id, "avd-pool-compute", sp, "ServicePrincipal", ROLES.desktopVirtualizationPowerOnContributor);
      grant("avd-power-on-off", computeRg.id, "avd-pool-compute", sp, "ServicePrincipal", ROLES.desktopVirtualizationPowerOnOffContributor);
    }
    const s = desktops.scaling;
    const time = (hhmm: string) => ({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3, 5)) });
    const planName = naming.name("vdscaling", location);
    this.scalingPlan = new desktopvirtualization.ScalingPlan(
      planName,
      {
        scalingPlanName: planName,
        resourceGroupName: serviceRg.name,
        location,
        timeZone: s.timeZone,
        hostPoolType: "Pooled",
        exclusionTag: "excludeFromScaling",
        hostPoolReferences: [{ hostPoolArmPath: this.hostPool.id, scalingPlanEnabled: true }],
        schedules: [
          {
            name: "weekdays",
            daysOfWeek: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
            rampUpStartTime: time(s.rampUpStart),
            rampUpLoadBalancingAlgorithm: "BreadthFirst",
            rampUpMinimumHostsPct: 20,
            rampUpCapacityThresholdPct: 60,
            peakStartTime: time(s.peakStart),
            peakLoadBalancingAlgorithm: desktops.loadBalancer,
            rampDownStartTime: time(s.rampDownStart),
            rampDownLoadBalancingAlgorithm: "DepthFirst",
            rampDownMinimumHostsPct: 10,
            rampDownCapacityThresholdPct: 90,
            rampDownForceLogoffUsers: false,
            rampDownStopHostsWhen: "ZeroSessions",
            rampDownWaitTimeMinutes: 30,
            rampDownNotificationMessage: "This session host is closing for the night: save your work and sign out.",
            offPeakStartTime: time(s.offPeakStart),
            offPeakLoadBalancingAlgorithm: "DepthFirst",
          },
        ],
        tags,
      },
      child,
    );

    const peSubnet = args.subnets.find((x) => x.purpose === "private-endpoints");
    const privateEndpoint = (label: string, resourceId: pulumi.Input<string>, groupId: string, zone: string, rgName: pulumi.Input<string>) => {
      if (!peSubnet) throw new Error(`spoke ${desktops.spoke} has no private-endpoints subnet (ferry validate reports this)`);
      const peName = naming.name("pe", label, location);
      const pe = new network.PrivateEndpoint(
        peName,
        {
          privateEndpointName: peName,
          resourceGroupName: rgName,
          location,
          subnet: { id: peSubnet.id },
          privateLinkServiceConnections: [{ name: `${peName}-${groupId}`, privateLinkServiceId: resourceId, groupIds: [groupId] }],
          tags,
        },
        child,
      );
      const z = args.privateDnsZones.get(zone);
      if (z) {
        new network.PrivateDnsZoneGroup(`${peName}-dns`, { privateDnsZoneGroupName: "default", privateEndpointName: pe.name, resourceGroupName: rgName, privateDnsZoneConfigs: [{ name: zone.replace(/\./g, "-"), privateDnsZoneId: z.id }] }, child);
      }
      return pe;
    };

    // Key Vault: the hosts' secrets (local administrator, domain join), RBAC only, no public access.
    const short = createHash("sha1").update(`${naming.prefix}/${location}`).digest("hex").slice(0, 4);
    const vaultName = `kv-${naming.prefix}-avd-${short}`.slice(0, 24);
    this.vault = new keyvault.Vault(
      vaultName,
      {
        vaultName,
        resourceGroupName: serviceRg.name,
        location,
        properties: {
          tenantId: authorization.getClientConfigOutput({ provider }).tenantId,
          sku: { family: "A", name: "standard" },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          enablePurgeProtection: true,
          publicNetworkAccess: "Disabled",
          networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
        },
        tags,
      },
      child,
    );
    privateEndpoint("kv-avd", this.vault.id, "vault", "privatelink.vaultcore.azure.net", serviceRg.name);
    const secret = (secretName: string, value: pulumi.Input<string>) =>
      new keyvault.Secret(`${vaultName}-${secretName}`, { secretName, vaultName: this.vault.name, resourceGroupName: serviceRg.name, properties: { value: pulumi.secret(value) } }, child);
    if (args.adminPassword !== undefined) secret("session-host-admin-password", args.adminPassword);
    if (args.domainJoinPassword !== undefined) secret("domain-join-password", args.domainJoinPassword);

    // FSLogix profiles: Azure Files premium, Entra Kerberos, private endpoint only.
    const accountName = `st${naming.prefix.replace(/[^a-z0-9]/g, "")}fslogix${short}`.slice(0, 24);
    this.profileStorage = new storage.StorageAccount(
      accountName,
      {
        accountName,
        resourceGroupName: storageRg.name,
        location,
        kind: "FileStorage",
        sku: { name: "Premium_ZRS" },
        minimumTlsVersion: "TLS1_2",
        enableHttpsTrafficOnly: true,
        allowBlobPublicAccess: false,
        publicNetworkAccess: "Disabled",
        networkRuleSet: { defaultAction: "Deny", bypass: "AzureServices" },
        azureFilesIdentityBasedAuthentication: { directoryServiceOptions: "AADKERB" },
        tags,
      },
      child,
    );
    new storage.FileShare(
      `${accountName}-profiles`,
      { shareName: "profiles", accountName: this.profileStorage.name, resourceGroupName: storageRg.name, shareQuota: desktops.profileShareGiB, enabledProtocols: "SMB" },
      child,
    );
    privateEndpoint("st-fslogix", this.profileStorage.id, "file", "privatelink.file.core.windows.net", storageRg.name);
    for (const g of everyone) grant("fslogix", this.profileStorage.id, accountName, g, "Group", ROLES.storageFileDataSmbShareContributor);

    const hosts = desktops.sessionHosts;
    if (hosts && hosts.count > 0) {
      if (args.adminPassword === undefined) throw new Error("session hosts need config ferry:sessionHostAdminPassword (secret)");
      const hostSubnet = args.subnets.find((x) => x.purpose === "workload");
      if (!hostSubnet) throw new Error(`spoke ${desktops.spoke} has no workload subnet for the session hosts (ferry validate reports this)`);
      const token = desktopvirtualization
        .getHostPoolRegistrationTokenOutput({ hostPoolName: this.hostPool.name, resourceGroupName: serviceRg.name }, { provider, parent: this })
        .apply((r) => r.token ?? "");
      this.sessionHosts = new SessionHosts(
        "session-hosts",
        {
          hosts,
          hostPoolName: this.hostPool.name,
          registrationToken: pulumi.secret(token),
          resourceGroupName: computeRg.name,
          subnetId: hostSubnet.id,
          location,
          tags,
          adminPassword: args.adminPassword,
          ...(args.domainJoinPassword !== undefined ? { domainJoinPassword: args.domainJoinPassword } : {}),
          provider,
        },
        { parent: this },
      );
    }

    this.registerOutputs({
      hostPoolId: this.hostPool.id,
      applicationGroupIds: this.applicationGroups.map((g) => g.id),
      workspaceId: this.workspace.id,
      remoteApps: args.apps.map((a) => a.id),
    });
  }
}
