import type * as network from "@pulumi/azure-native/network/index.js";

type RuleCollections = NonNullable<network.FirewallPolicyRuleCollectionGroupArgs["ruleCollections"]>;

/**
 * Service tags and FQDNs Azure Virtual Desktop session hosts must reach (Microsoft's "required
 * FQDNs and endpoints" for session hosts): the AVD service and agent, Azure Monitor, the
 * agent's artefacts behind Front Door, and certificate checks.
 */
export const AVD_SERVICE_TAGS: readonly { name: string; tag: string; ports: string[] }[] = [
  { name: "avd-service", tag: "WindowsVirtualDesktop", ports: ["443"] },
  { name: "avd-monitor", tag: "AzureMonitor", ports: ["443"] },
  { name: "avd-frontdoor", tag: "AzureFrontDoor.Frontend", ports: ["443"] },
  { name: "avd-certificates", tag: "AzureFrontDoor.FirstParty", ports: ["80"] },
];
export const AVD_FQDNS = [
  "*.wvd.microsoft.com",
  "gcs.prod.monitoring.core.windows.net",
  "*.prod.warm.ingest.monitor.core.windows.net",
  "mrsglobalsteus2prod.blob.core.windows.net",
  "wvdportalstorageblob.blob.core.windows.net",
  "catalogartifact.azureedge.net",
];
/** Windows activation (KMS) endpoints of Azure, TCP 1688; FQDNs in network rules need the DNS proxy. */
export const KMS_FQDNS = ["azkms.core.windows.net", "kms.core.windows.net"];

export interface FirewallRuleInputs {
  /** Every spoke's address space. */
  spokePrefixes: string[];
  /** Retained sites and the data centre. */
  onPremises: string[];
  /** The desktops spoke's address space, when there are desktops. */
  desktopsPrefix?: string;
}

/** The site-to-spoke traffic of the single network (priority 200). */
export function singleNetworkRules(i: FirewallRuleInputs): RuleCollections {
  if (i.onPremises.length === 0 || i.spokePrefixes.length === 0) return [];
  return [
    {
      ruleCollectionType: "FirewallPolicyFilterRuleCollection",
      name: "single-network",
      priority: 200,
      action: { type: "Allow" },
      rules: [
        { ruleType: "NetworkRule", name: "spokes-to-sites", ipProtocols: ["Any"], sourceAddresses: i.spokePrefixes, destinationAddresses: i.onPremises, destinationPorts: ["*"] },
        { ruleType: "NetworkRule", name: "sites-to-spokes", ipProtocols: ["Any"], sourceAddresses: i.onPremises, destinationAddresses: i.spokePrefixes, destinationPorts: ["*"] },
      ],
    },
  ];
}

/**
 * What the platform itself needs through the firewall (priority 300): every spoke reaches Entra ID
 * (sign-in, Entra join) and KMS (Windows activation); the desktops spoke reaches the AVD service,
 * Azure Monitor and the agent's artefacts, by service tag and by FQDN tag/FQDN.
 */
export function platformRules(i: FirewallRuleInputs): RuleCollections {
  if (i.spokePrefixes.length === 0) return [];
  const collections: RuleCollections = [
    {
      ruleCollectionType: "FirewallPolicyFilterRuleCollection",
      name: "identity-and-activation",
      priority: 300,
      action: { type: "Allow" },
      rules: [
        { ruleType: "NetworkRule", name: "entra-id", ipProtocols: ["TCP"], sourceAddresses: i.spokePrefixes, destinationAddresses: ["AzureActiveDirectory"], destinationPorts: ["443"] },
        { ruleType: "NetworkRule", name: "kms", ipProtocols: ["TCP"], sourceAddresses: i.spokePrefixes, destinationFqdns: KMS_FQDNS, destinationPorts: ["1688"] },
      ],
    },
  ];
  if (i.desktopsPrefix) {
    collections.push(
      {
        ruleCollectionType: "FirewallPolicyFilterRuleCollection",
        name: "avd-service-tags",
        priority: 310,
        action: { type: "Allow" },
        rules: AVD_SERVICE_TAGS.map((t) => ({ ruleType: "NetworkRule", name: t.name, ipProtocols: ["TCP"], sourceAddresses: [i.desktopsPrefix!], destinationAddresses: [t.tag], destinationPorts: t.ports })),
      },
      {
        ruleCollectionType: "FirewallPolicyFilterRuleCollection",
        name: "avd-urls",
        priority: 320,
        action: { type: "Allow" },
        rules: [
          {
            ruleType: "ApplicationRule",
            name: "avd-fqdn-tags",
            sourceAddresses: [i.desktopsPrefix],
            fqdnTags: ["WindowsVirtualDesktop", "WindowsUpdate", "WindowsDiagnostics", "MicrosoftActiveProtectionService"],
            protocols: [
              { protocolType: "Https", port: 443 },
              { protocolType: "Http", port: 80 },
            ],
          },
          { ruleType: "ApplicationRule", name: "avd-fqdns", sourceAddresses: [i.desktopsPrefix], targetFqdns: AVD_FQDNS, protocols: [{ protocolType: "Https", port: 443 }] },
        ],
      },
    );
  }
  return collections;
}
