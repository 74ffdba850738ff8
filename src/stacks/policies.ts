/**
 * The policy baseline of the landing zone, as data: which definition is assigned where, with
 * which parameters, and which roles a DeployIfNotExists/Modify assignment's identity needs.
 * Built-in ids are the same in every tenant; the two deny rules ALZ ships as custom definitions
 * (management ports from the internet, subnets without an NSG) are defined here.
 */

const builtin = (id: string) => `/providers/Microsoft.Authorization/policyDefinitions/${id}`;
const builtinSet = (id: string) => `/providers/Microsoft.Authorization/policySetDefinitions/${id}`;

/** Built-in policy definitions and initiatives the landing zone assigns. */
export const BUILTIN_POLICIES = {
  allowedLocations: builtin("e56962a6-4747-49cd-b67b-bf8b01975c4c"),
  allowedLocationsForResourceGroups: builtin("e765b5de-1225-4ba3-bd56-1ac6695af988"),
  requireTagOnResources: builtin("871b6d14-10aa-478d-b590-94f262ecfa99"),
  notAllowedResourceTypes: builtin("6c112d4e-5bc7-47ae-a041-ea2d9dccd749"),
  nicsWithoutPublicIps: builtin("83a86a26-fd1f-447c-b59d-e51f44264114"),
  auditUnmanagedDisks: builtin("06a78e20-9358-41c9-923c-fb736d382a4d"),
  /** Initiative: allLogs category group resource logging to Log Analytics (DeployIfNotExists). */
  diagnosticsToLogAnalytics: builtinSet("0884adba-2312-4468-abeb-5422caed1038"),
  /** Initiative: Microsoft cloud security benchmark (audit), what Defender for Cloud scores against. */
  cloudSecurityBenchmark: builtinSet("1f3afdf9-d0c9-4c3d-847f-89da613e70a8"),
} as const;

/** Built-in role definition ids (the same in every tenant). */
export const ROLES = {
  logAnalyticsContributor: "92aaf0da-9dab-42b6-94a3-d43ce8d16293",
  monitoringContributor: "749f88d5-cbae-40b8-bcfc-e573ddc772fa",
  desktopVirtualizationUser: "1d18fff3-a72a-46b5-b4a9-0b38a3cd7e63",
  desktopVirtualizationPowerOnContributor: "489581de-a3bd-480d-9518-53dea7416b33",
  desktopVirtualizationPowerOnOffContributor: "40c5ff49-9181-41f8-ae61-143b0e78555e",
  virtualMachineUserLogin: "fb879df8-f326-4884-b1cf-06f3ad86be52",
  storageFileDataSmbShareContributor: "0c867c2a-1d8c-454a-a3db-ab2ea1bdc8bb",
} as const;

/** Resource types of the classic (ASM) deployment model, denied everywhere (ALZ Deny-Classic-Resources). */
export const CLASSIC_RESOURCE_TYPES = [
  "Microsoft.ClassicCompute/disks",
  "Microsoft.ClassicCompute/domainNames",
  "Microsoft.ClassicCompute/images",
  "Microsoft.ClassicCompute/virtualMachines",
  "Microsoft.ClassicNetwork/networkSecurityGroups",
  "Microsoft.ClassicNetwork/reservedIps",
  "Microsoft.ClassicNetwork/virtualNetworks",
  "Microsoft.ClassicStorage/disks",
  "Microsoft.ClassicStorage/images",
  "Microsoft.ClassicStorage/storageAccounts",
  "Microsoft.ClassicStorage/vmImages",
];

/** Subnets Azure forbids an NSG on (ALZ's default `excludedSubnets`). */
export const SUBNETS_WITHOUT_NSG = ["GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet", "RouteServerSubnet"];

const MGMT_PORTS = ["*", "22", "3389"];
const FROM_INTERNET = ["*", "Internet", "0.0.0.0/0"];

/** Conditions on one security rule, for the rule resource itself or an NSG's rules array. */
function ruleOpensMgmtPorts(field: string): object {
  return {
    allOf: [
      { field: `${field}.access`, equals: "Allow" },
      { field: `${field}.direction`, equals: "Inbound" },
      {
        anyOf: [
          { field: `${field}.destinationPortRange`, in: MGMT_PORTS },
          { count: { field: `${field}.destinationPortRanges[*]`, where: { field: `${field}.destinationPortRanges[*]`, in: MGMT_PORTS } }, greater: 0 },
        ],
      },
      {
        anyOf: [
          { field: `${field}.sourceAddressPrefix`, in: FROM_INTERNET },
          { count: { field: `${field}.sourceAddressPrefixes[*]`, where: { field: `${field}.sourceAddressPrefixes[*]`, in: FROM_INTERNET } }, greater: 0 },
        ],
      },
    ],
  };
}

/** A custom definition created at the intermediate root management group. */
export interface CustomPolicy {
  name: string;
  displayName: string;
  description: string;
  mode: "All" | "Indexed";
  parameters: Record<string, unknown>;
  policyRule: object;
}

const effect = (allowed: string[], dflt: string) => ({ effect: { type: "String", allowedValues: allowed, defaultValue: dflt } });

/** ALZ's Deny-MgmtPorts-Internet: inbound RDP/SSH (or any port) from the internet. */
export const DENY_MGMT_PORTS_INTERNET: CustomPolicy = {
  name: "Deny-MgmtPorts-Internet",
  displayName: "Management port access from the internet should be blocked",
  description: "Denies NSG rules that allow RDP (3389), SSH (22) or any port inbound from the internet.",
  mode: "All",
  parameters: effect(["Audit", "Deny", "Disabled"], "Deny"),
  policyRule: {
    if: {
      anyOf: [
        { allOf: [{ field: "type", equals: "Microsoft.Network/networkSecurityGroups/securityRules" }, ruleOpensMgmtPorts("Microsoft.Network/networkSecurityGroups/securityRules")] },
        {
          allOf: [
            { field: "type", equals: "Microsoft.Network/networkSecurityGroups" },
            {
              count: { field: "Microsoft.Network/networkSecurityGroups/securityRules[*]", where: ruleOpensMgmtPorts("Microsoft.Network/networkSecurityGroups/securityRules[*]") },
              greater: 0,
            },
          ],
        },
      ],
    },
    then: { effect: "[parameters('effect')]" },
  },
};

/** ALZ's Deny-Subnet-Without-Nsg: every subnet but those Azure forbids an NSG on. */
export const DENY_SUBNET_WITHOUT_NSG: CustomPolicy = {
  name: "Deny-Subnet-Without-Nsg",
  displayName: "Subnets should have a network security group",
  description: "Denies a subnet (standalone or inside a virtual network) that has no NSG, except the subnets Azure forbids one on.",
  mode: "All",
  parameters: { ...effect(["Audit", "Deny", "Disabled"], "Deny"), excludedSubnets: { type: "Array", defaultValue: SUBNETS_WITHOUT_NSG } },
  policyRule: {
    if: {
      anyOf: [
        {
          allOf: [
            { field: "type", equals: "Microsoft.Network/virtualNetworks" },
            {
              count: {
                field: "Microsoft.Network/virtualNetworks/subnets[*]",
                where: {
                  allOf: [
                    { field: "Microsoft.Network/virtualNetworks/subnets[*].networkSecurityGroup.id", exists: "false" },
                    { field: "Microsoft.Network/virtualNetworks/subnets[*].name", notIn: "[parameters('excludedSubnets')]" },
                  ],
                },
              },
              notEquals: 0,
            },
          ],
        },
        {
          allOf: [
            { field: "type", equals: "Microsoft.Network/virtualNetworks/subnets" },
            { field: "name", notIn: "[parameters('excludedSubnets')]" },
            { field: "Microsoft.Network/virtualNetworks/subnets/networkSecurityGroup.id", exists: "false" },
          ],
        },
      ],
    },
    then: { effect: "[parameters('effect')]" },
  },
};

export const CUSTOM_POLICIES = [DENY_MGMT_PORTS_INTERNET, DENY_SUBNET_WITHOUT_NSG];
