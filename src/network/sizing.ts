import { familyBits, prefixSize, type IpPrefix } from "./prefix.js";

/** Azure keeps the network address, the gateway, two DNS addresses and broadcast in every subnet. */
export const AZURE_RESERVED_PER_SUBNET = 5;

/**
 * Largest prefix length (smallest subnet) Azure accepts for its fixed-name subnets.
 * GatewaySubnet works from /29 but Microsoft requires /27 or larger for new gateways
 * (and for VPN/ExpressRoute coexistence); the firewall and Bastion need /26.
 */
export const FIXED_SUBNET_MAX_LENGTH: Readonly<Record<string, number>> = {
  GatewaySubnet: 27,
  AzureFirewallSubnet: 26,
  AzureFirewallManagementSubnet: 26,
  AzureBastionSubnet: 26,
  RouteServerSubnet: 27,
};

/** Azure's smallest IPv4 subnet is /29; IPv6 subnets must be exactly /64. */
export const AZURE_MIN_IPV4_LENGTH = 29;
export const AZURE_IPV6_SUBNET_LENGTH = 64;

/** Addresses left for hosts once Azure takes its five; never negative. */
export function usableAddresses(p: IpPrefix): bigint {
  const usable = prefixSize(p) - BigInt(AZURE_RESERVED_PER_SUBNET);
  return usable > 0n ? usable : 0n;
}

/** Smallest prefix length of `family` that still leaves room for `hosts` after Azure's five. */
export function lengthForHosts(family: 4 | 6, hosts: number): number {
  const needed = BigInt(hosts + AZURE_RESERVED_PER_SUBNET);
  let length = familyBits(family);
  while (length > 0 && prefixSize({ family, length }) < needed) length--;
  return length;
}

/** Why a subnet is too small for Azure or for its declared hosts, or undefined when it fits. */
export function subnetSizeProblem(name: string, p: IpPrefix, hosts?: number): string | undefined {
  const fixed = FIXED_SUBNET_MAX_LENGTH[name];
  if (fixed !== undefined && p.family === 4 && p.length > fixed) {
    return `${name} ${p.text} is too small: Azure needs /${fixed} or larger`;
  }
  if (p.family === 4 && p.length > AZURE_MIN_IPV4_LENGTH) {
    return `subnet ${name} ${p.text} is too small: Azure's smallest IPv4 subnet is /${AZURE_MIN_IPV4_LENGTH}`;
  }
  if (p.family === 6 && p.length !== AZURE_IPV6_SUBNET_LENGTH) {
    return `subnet ${name} ${p.text} must be a /${AZURE_IPV6_SUBNET_LENGTH}: Azure IPv6 subnets are exactly /64`;
  }
  if (hosts !== undefined && usableAddresses(p) < BigInt(hosts)) {
    return (
      `subnet ${name} ${p.text} has ${usableAddresses(p)} usable addresses (Azure keeps ${AZURE_RESERVED_PER_SUBNET}) ` +
      `but must fit ${hosts} hosts: use a /${lengthForHosts(p.family, hosts)} or larger`
    );
  }
  return undefined;
}
