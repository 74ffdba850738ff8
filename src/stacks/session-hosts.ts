import * as pulumi from "@pulumi/pulumi";
import * as compute from "@pulumi/azure-native/compute/index.js";
import * as network from "@pulumi/azure-native/network/index.js";
import type { DesktopsTarget } from "../model/stack.js";

type HostsTarget = NonNullable<DesktopsTarget["sessionHosts"]>;

export interface SessionHostsArgs {
  hosts: HostsTarget;
  hostPoolName: pulumi.Input<string>;
  /** The pool's registration token (secret), from getHostPoolRegistrationToken. */
  registrationToken: pulumi.Input<string>;
  resourceGroupName: pulumi.Input<string>;
  subnetId: pulumi.Input<string>;
  location: string;
  tags: Record<string, string>;
  /** Local administrator password (secret, config `ferry:sessionHostAdminPassword`). */
  adminPassword: pulumi.Input<string>;
  /** With join ad: the join account's password (secret, config `ferry:domainJoinPassword`). */
  domainJoinPassword?: pulumi.Input<string>;
  provider: pulumi.ProviderResource;
}

/**
 * Pooled session hosts: `count` VMs (Trusted Launch, no public IP) from a marketplace or Compute
 * Gallery image, joined to Microsoft Entra ID (AADLoginForWindows) or to AD DS
 * (JsonADDomainExtension), then registered to the host pool by the AVD agent's DSC package with
 * the pool's registration token.
 */
export class SessionHosts extends pulumi.ComponentResource {
  readonly vms: compute.VirtualMachine[] = [];

  constructor(name: string, args: SessionHostsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ferry:stacks:SessionHosts", name, {}, opts);
    const { hosts, location, tags } = args;
    const child = { parent: this, provider: args.provider };
    const image = hosts.image.galleryImageId
      ? { id: hosts.image.galleryImageId }
      : { publisher: hosts.image.publisher, offer: hosts.image.offer, sku: hosts.image.sku, version: hosts.image.version };
    for (let i = 0; i < hosts.count; i++) {
      const vmName = `${hosts.namePrefix}-${i}`;
      const nic = new network.NetworkInterface(
        `nic-${vmName}`,
        { networkInterfaceName: `nic-${vmName}`, resourceGroupName: args.resourceGroupName, location, ipConfigurations: [{ name: "ipconfig", subnet: { id: args.subnetId }, privateIPAllocationMethod: "Dynamic" }], tags },
        child,
      );
      const vm = new compute.VirtualMachine(
        vmName,
        {
          vmName,
          resourceGroupName: args.resourceGroupName,
          location,
          // Entra join and the AVD agent act as the VM's own identity.
          identity: { type: "SystemAssigned" },
          hardwareProfile: { vmSize: hosts.vmSize },
          licenseType: "Windows_Client",
          securityProfile: { securityType: "TrustedLaunch", uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } },
          storageProfile: { imageReference: image, osDisk: { name: `osdisk-${vmName}`, createOption: "FromImage", managedDisk: { storageAccountType: "Premium_LRS" }, deleteOption: "Delete" } },
          osProfile: { computerName: vmName, adminUsername: hosts.adminUsername, adminPassword: args.adminPassword, windowsConfiguration: { enableAutomaticUpdates: true, provisionVMAgent: true } },
          networkProfile: { networkInterfaces: [{ id: nic.id, primary: true, deleteOption: "Delete" }] },
          diagnosticsProfile: { bootDiagnostics: { enabled: true } },
          tags,
        },
        child,
      );
      this.vms.push(vm);
      const join =
        hosts.join === "entra"
          ? new compute.VirtualMachineExtension(
              `${vmName}-entra-join`,
              { vmExtensionName: "AADLoginForWindows", vmName: vm.name, resourceGroupName: args.resourceGroupName, location, publisher: "Microsoft.Azure.ActiveDirectory", type: "AADLoginForWindows", typeHandlerVersion: "2.0", autoUpgradeMinorVersion: true, tags },
              child,
            )
          : new compute.VirtualMachineExtension(
              `${vmName}-domain-join`,
              {
                vmExtensionName: "JoinDomain",
                vmName: vm.name,
                resourceGroupName: args.resourceGroupName,
                location,
                publisher: "Microsoft.Compute",
                type: "JsonADDomainExtension",
                typeHandlerVersion: "1.3",
                autoUpgradeMinorVersion: true,
                settings: { Name: hosts.domainJoin?.domain, User: hosts.domainJoin?.user, Restart: "true", Options: "3", ...(hosts.domainJoin?.ouPath ? { OUPath: hosts.domainJoin.ouPath } : {}) },
                protectedSettings: pulumi.secret({ Password: args.domainJoinPassword ?? "" }),
                tags,
              },
              child,
            );
      new compute.VirtualMachineExtension(
        `${vmName}-avd-agent`,
        {
          vmExtensionName: "AddSessionHost",
          vmName: vm.name,
          resourceGroupName: args.resourceGroupName,
          location,
          publisher: "Microsoft.Powershell",
          type: "DSC",
          typeHandlerVersion: "2.73",
          autoUpgradeMinorVersion: true,
          settings: {
            modulesUrl: hosts.agentPackageUrl,
            configurationFunction: "Configuration.ps1\\AddSessionHost",
            properties: {
              hostPoolName: args.hostPoolName,
              registrationInfoTokenCredential: { UserName: "PLACEHOLDER_DO_NOT_USE", Password: "PrivateSettingsRef:RegistrationInfoToken" },
              aadJoin: hosts.join === "entra",
            },
          },
          protectedSettings: pulumi.secret(pulumi.output(args.registrationToken).apply((token) => ({ Items: { RegistrationInfoToken: token } }))),
          tags,
        },
        // Registration after the join; a later token never re-runs the agent on hosts already registered.
        { ...child, dependsOn: [join], ignoreChanges: ["protectedSettings"] },
      );
    }
    this.registerOutputs({ sessionHosts: this.vms.map((v) => v.name) });
  }
}
