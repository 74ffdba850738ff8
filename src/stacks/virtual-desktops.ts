import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization/index.js";
import * as desktopvirtualization from "@pulumi/azure-native/desktopvirtualization/index.js";
import * as resources from "@pulumi/azure-native/resources/index.js";
import type { DesktopsTarget } from "../model/stack.js";
import { stableGuid, type Naming } from "./naming.js";
import type { RemoteAppSpec } from "./remote-apps.js";

/** Built-in role "Desktop Virtualization User": lets a group use an application group. */
export const DESKTOP_VIRTUALIZATION_USER = "1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63";

export interface VirtualDesktopsArgs {
  /** `ferry:desktops`: host pool name, session limit, load balancing, user groups. */
  desktops: DesktopsTarget;
  /** RemoteApps to publish, from the estate's Citrix applications (see remoteAppsFor). */
  apps: RemoteAppSpec[];
  location: string;
  naming: Naming;
  tags: Record<string, string>;
  /** Subscription of the role definitions. @default the deploying identity's subscription */
  subscriptionId?: pulumi.Input<string>;
}

/**
 * The Citrix replacement: a pooled Azure Virtual Desktop host pool whose preferred app group
 * type is RemoteApp (users assigned both kinds see only the preferred one), one RemoteApp
 * application group with one Application per estate application, a workspace that publishes
 * the group, and "Desktop Virtualization User" for the configured Entra ID groups. Session
 * hosts (VMs) join the pool separately with a registration token.
 */
export class VirtualDesktops extends pulumi.ComponentResource {
  readonly hostPool: desktopvirtualization.HostPool;
  readonly applicationGroup: desktopvirtualization.ApplicationGroup;
  readonly applications: desktopvirtualization.Application[] = [];
  readonly workspace: desktopvirtualization.Workspace;
  readonly roleAssignments: authorization.RoleAssignment[] = [];

  constructor(name: string, args: VirtualDesktopsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:VirtualDesktops", name, {}, opts);
    const { desktops, naming, location, tags } = args;
    const child = { parent: this };

    const rgName = naming.resourceGroup("avd-service-objects", location);
    const rg = new resources.ResourceGroup(rgName, { resourceGroupName: rgName, location, tags }, child);
    this.hostPool = new desktopvirtualization.HostPool(
      desktops.hostPoolName,
      {
        hostPoolName: desktops.hostPoolName,
        resourceGroupName: rg.name,
        location,
        hostPoolType: "Pooled",
        loadBalancerType: desktops.loadBalancer,
        preferredAppGroupType: "RailApplications",
        maxSessionLimit: desktops.maxSessionLimit,
        startVMOnConnect: true,
        friendlyName: "Council applications",
        tags,
      },
      child,
    );
    const groupName = naming.name("vdag", "rapp", location);
    this.applicationGroup = new desktopvirtualization.ApplicationGroup(
      groupName,
      {
        applicationGroupName: groupName,
        resourceGroupName: rg.name,
        location,
        applicationGroupType: "RemoteApp",
        hostPoolArmPath: this.hostPool.id,
        friendlyName: "Council applications (RemoteApp)",
        tags,
      },
      child,
    );
    for (const app of args.apps) {
      this.applications.push(
        new desktopvirtualization.Application(
          `${groupName}-${app.id}`,
          {
            applicationName: app.id,
            applicationGroupName: this.applicationGroup.name,
            resourceGroupName: rg.name,
            friendlyName: app.friendlyName,
            filePath: app.filePath,
            applicationType: "InBuilt",
            ...(app.commandLineArguments
              ? { commandLineSetting: "Require", commandLineArguments: app.commandLineArguments }
              : { commandLineSetting: "DoNotAllow" }),
            showInPortal: true,
          },
          child,
        ),
      );
    }
    const workspaceName = naming.name("vdws", location);
    this.workspace = new desktopvirtualization.Workspace(
      workspaceName,
      { workspaceName, resourceGroupName: rg.name, location, friendlyName: "West Northamptonshire apps", applicationGroupReferences: [this.applicationGroup.id], tags },
      child,
    );

    if (desktops.userGroups.length > 0) {
      const subscriptionId = args.subscriptionId ?? authorization.getClientConfigOutput({ parent: this }).subscriptionId;
      for (const group of desktops.userGroups) {
        const guid = stableGuid(createHash("sha1").update(`${groupName}/${group}/${DESKTOP_VIRTUALIZATION_USER}`).digest("hex"));
        this.roleAssignments.push(
          new authorization.RoleAssignment(
            `ra-${groupName}-${group}`,
            {
              roleAssignmentName: guid,
              scope: this.applicationGroup.id,
              principalId: group,
              principalType: "Group",
              roleDefinitionId: pulumi.interpolate`/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${DESKTOP_VIRTUALIZATION_USER}`,
            },
            child,
          ),
        );
      }
    }

    this.registerOutputs({
      hostPoolId: this.hostPool.id,
      applicationGroupId: this.applicationGroup.id,
      workspaceId: this.workspace.id,
      remoteApps: args.apps.map((a) => a.id),
    });
  }
}
