/** One security rule as an NSG's `securityRules` entry takes it. */
export interface Rule {
  name: string;
  priority: number;
  direction: "Inbound" | "Outbound";
  access: "Allow" | "Deny";
  protocol: string;
  sourcePortRange: string;
  sourceAddressPrefix?: string;
  sourceAddressPrefixes?: string[];
  destinationAddressPrefix?: string;
  destinationAddressPrefixes?: string[];
  destinationPortRange?: string;
  destinationPortRanges?: string[];
}

const rule = (name: string, priority: number, direction: "Inbound" | "Outbound", access: "Allow" | "Deny", from: string | string[], to: string | string[], ports: string | string[], protocol = "Tcp"): Rule => ({
  name,
  priority,
  direction,
  access,
  protocol,
  sourcePortRange: "*",
  ...(Array.isArray(from) ? { sourceAddressPrefixes: from } : { sourceAddressPrefix: from }),
  ...(Array.isArray(to) ? { destinationAddressPrefixes: to } : { destinationAddressPrefix: to }),
  ...(Array.isArray(ports) ? { destinationPortRanges: ports } : { destinationPortRange: ports }),
});

/** The rules Microsoft documents for AzureBastionSubnet ("Working with NSG access and Azure Bastion"). */
export function bastionRules(): Rule[] {
  return [
    rule("AllowHttpsInbound", 120, "Inbound", "Allow", "Internet", "*", "443"),
    rule("AllowGatewayManagerInbound", 130, "Inbound", "Allow", "GatewayManager", "*", "443"),
    rule("AllowAzureLoadBalancerInbound", 140, "Inbound", "Allow", "AzureLoadBalancer", "*", "443"),
    rule("AllowBastionHostCommunication", 150, "Inbound", "Allow", "VirtualNetwork", "VirtualNetwork", ["8080", "5701"], "*"),
    rule("DenyAllInbound", 4096, "Inbound", "Deny", "*", "*", "*", "*"),
    rule("AllowSshRdpOutbound", 100, "Outbound", "Allow", "*", "VirtualNetwork", ["22", "3389"], "*"),
    rule("AllowAzureCloudOutbound", 110, "Outbound", "Allow", "*", "AzureCloud", "443"),
    rule("AllowBastionCommunication", 120, "Outbound", "Allow", "VirtualNetwork", "VirtualNetwork", ["8080", "5701"], "*"),
    rule("AllowHttpOutbound", 130, "Outbound", "Allow", "*", "Internet", "80", "*"),
  ];
}

/**
 * A spoke subnet's inbound rules: traffic from the hub (firewall, Bastion, gateways) and from the
 * retained sites is allowed, anything from the internet is denied. An Application Gateway v2
 * subnet also gets the GatewayManager and load balancer probes it cannot work without, and
 * HTTPS/HTTP from the internet (it is the online front door).
 */
export function spokeRules(purpose: "workload" | "private-endpoints" | "app-gateway", hubPrefix: string, onPremises: string[]): Rule[] {
  const rules: Rule[] = [];
  if (purpose === "app-gateway") {
    rules.push(
      rule("AllowGatewayManagerInbound", 100, "Inbound", "Allow", "GatewayManager", "*", "65200-65535"),
      rule("AllowAzureLoadBalancerInbound", 110, "Inbound", "Allow", "AzureLoadBalancer", "*", "*", "*"),
      rule("AllowWebInbound", 120, "Inbound", "Allow", "Internet", "*", ["443", "80"]),
    );
  }
  rules.push(rule("AllowHubInbound", 200, "Inbound", "Allow", hubPrefix, "*", "*", "*"));
  if (onPremises.length > 0) rules.push(rule("AllowSitesInbound", 210, "Inbound", "Allow", onPremises, "*", "*", "*"));
  rules.push(rule("DenyInternetInbound", 4000, "Inbound", "Deny", "Internet", "*", "*", "*"));
  return rules;
}
