import { z } from "zod";
import { ClockTime, Id, IpAddress, Prefix } from "./common.js";

/**
 * The declarative target, kept as Pulumi structured config under the `ferry:` namespace in
 * `stacks/Pulumi.<env>.yaml`. Pulumi owns the file's top level (config, secretsprovider,
 * encryptionsalt…), so unlike ferry's own documents it carries no apiVersion/kind header.
 */

/** An Entra ID or Azure object id (a GUID). */
export const Guid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, "must be a GUID such as 0b5e2f4a-1c3d-4e5f-8a9b-0c1d2e3f4a5b");

export const TargetSubnet = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be an Azure subnet name"),
  prefix: Prefix,
  /** Hosts the subnet must fit; Azure keeps 5 addresses of every subnet. */
  hosts: z.number().int().min(0).optional(),
  /**
   * What the subnet is for. `app-gateway`: an Application Gateway v2 subnet (no default route
   * to the firewall, which v2 does not support, and the GatewayManager/AzureLoadBalancer inbound
   * rules it needs); `private-endpoints`: private endpoints (FSLogix, Key Vault). @default workload
   */
  purpose: z.enum(["workload", "private-endpoints", "app-gateway"]).default("workload"),
});

export const Hub = z.strictObject({
  prefix: Prefix,
  /** Fixed-name platform subnets; each must sit inside the hub prefix. */
  firewallSubnet: Prefix,
  bastionSubnet: Prefix,
  gatewaySubnet: Prefix,
  firewallManagementSubnet: Prefix.optional(),
  /** DNS Private Resolver endpoints (each at least /28, delegated to Microsoft.Network/dnsResolvers). */
  dnsResolverInboundSubnet: Prefix.optional(),
  dnsResolverOutboundSubnet: Prefix.optional(),
});

/** A DNS domain the council's own servers answer (Active Directory), forwarded by the resolver. */
export const DnsForwarder = z.strictObject({
  /** e.g. `wnc.local`: queries for it and its subdomains go to `servers`. */
  domain: z.string().regex(/^([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z0-9-]+$/i, "must be a DNS domain such as corp.westnorthants.gov.uk"),
  /** Domain controllers' addresses (port 53), reached over the site links. */
  servers: z.array(IpAddress).min(1),
});

export const Spoke = z.strictObject({
  id: Id,
  prefix: Prefix,
  /** Workload area this spoke serves (corp or online landing zone). @default corp */
  landingZone: z.enum(["corp", "online"]).default("corp"),
  /** Subscription the spoke lives in. @default `avd` for the desktops spoke when set, else the landing zone's */
  subscription: z.enum(["corp", "online", "avd"]).optional(),
  subnets: z.array(TargetSubnet).min(1),
});

/** The address range a retained legacy site gets in the single network. */
export const SiteAllocation = z.strictObject({
  site: Id,
  prefix: Prefix,
});

export const DataCentre = z.strictObject({
  site: Id,
  /** Public address (or FQDN) of the data centre's VPN device. */
  gatewayAddress: z.union([IpAddress, z.string().regex(/^[a-z0-9.-]+$/i)]),
  prefixes: z.array(Prefix).min(1),
  /** The data centre device's BGP ASN: with it the gateway, site and connection run BGP. */
  bgpAsn: z.number().int().min(1).max(4_294_967_295).optional(),
  /** The device's BGP peer address (required with `bgpAsn`). */
  bgpPeeringAddress: IpAddress.optional(),
});

export const NetworkTarget = z.strictObject({
  /** The one address space of the merged network. */
  supernet: Prefix,
  hub: Hub,
  spokes: z.array(Spoke).default([]),
  /** Retained sites' allocations; legacy networks there re-IP into these. */
  sites: z.array(SiteAllocation).default([]),
  dataCentre: DataCentre.optional(),
  /** Private DNS zones linked to the hub (the zones the landing zone's own services need are always added). */
  privateDnsZones: z.array(z.string().min(1)).default([]),
  /** Council domains the DNS Private Resolver forwards to the domain controllers (needs the hub's resolver subnets). */
  dnsForwarding: z.array(DnsForwarder).default([]),
  /** Put every VNet under an Azure DDoS Network Protection plan. @default false */
  ddosProtection: z.boolean().default(false),
});

/** Roles a subscription plays in the landing zone, and the management group each sits under. */
export const SUBSCRIPTION_ROLES = ["connectivity", "management", "identity", "corp", "online", "avd"] as const;
export type SubscriptionRole = (typeof SUBSCRIPTION_ROLES)[number];
export const SUBSCRIPTION_PLACEMENT: Readonly<Record<SubscriptionRole, string>> = {
  connectivity: "platform-connectivity",
  management: "platform-management",
  identity: "platform-identity",
  corp: "landingzones-corp",
  online: "landingzones-online",
  avd: "landingzones-corp",
};

/**
 * One subscription: an existing one by `id`, or a new one created by `alias` under a billing
 * scope (EA enrollment account or MCA invoice section). Exactly one of `id` and `alias`.
 */
export const SubscriptionRef = z.strictObject({
  id: Guid.optional(),
  alias: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, "must be a subscription alias: letters, digits, dots, dashes, underscores").optional(),
  displayName: z.string().min(1).optional(),
  /** `/providers/Microsoft.Billing/billingAccounts/…/enrollmentAccounts/…` (or an MCA invoice section). */
  billingScope: z.string().startsWith("/providers/Microsoft.Billing/", "must be a billing scope id (/providers/Microsoft.Billing/…)").optional(),
  /** @default Production */
  workload: z.enum(["Production", "DevTest"]).default("Production"),
  /** Monthly budget in the billing currency; alerts go to `landingZone.budgetAlerts`. */
  monthlyBudget: z.number().positive().optional(),
});

export const Subscriptions = z.strictObject({
  connectivity: SubscriptionRef,
  management: SubscriptionRef,
  identity: SubscriptionRef.optional(),
  corp: SubscriptionRef,
  online: SubscriptionRef.optional(),
  avd: SubscriptionRef.optional(),
});

export const LandingZoneTarget = z.strictObject({
  /** Management-group prefix, e.g. `wnc` → `wnc-platform`, `wnc-landingzones-corp`. */
  prefix: Id,
  displayName: z.string().optional(),
  region: z.string().min(1).default("uksouth"),
  allowedLocations: z.array(z.string().min(1)).default(["uksouth", "ukwest"]),
  requiredTags: z.array(z.string().min(1)).default(["owner", "costCentre", "dataClassification"]),
  /** Tags put on every resource ferry creates. */
  tags: z.record(z.string(), z.string()).default({}),
  logRetentionDays: z.number().int().min(30).max(730).default(90),
  /**
   * The landing zone's subscriptions, each placed under its management group. Optional for
   * address planning (`ferry network`); `ferry deploy` and the stacks program refuse without it,
   * because policies on management groups govern only the subscriptions placed under them.
   */
  subscriptions: Subscriptions.optional(),
  /** Who budget alerts go to (budgets start in the month they are created). */
  budgetAlerts: z
    .strictObject({
      contactEmails: z.array(z.email()).min(1),
      /** Percentages of the budget that alert (actual spend). @default [80, 100] */
      thresholds: z.array(z.number().positive().max(1000)).min(1).default([80, 100]),
    })
    .optional(),
  /** Microsoft Defender for Cloud plans enabled (Standard tier) in every subscription. */
  defenderPlans: z.array(z.enum(["VirtualMachines", "StorageAccounts", "KeyVaults", "Arm", "SqlServers", "Dns"])).default(["VirtualMachines", "StorageAccounts", "KeyVaults", "Arm"]),
});

/** VPN gateway SKUs Azure still sells (Basic cannot be created with a Standard public IP). */
export const VPN_SKUS = ["VpnGw1", "VpnGw2", "VpnGw3", "VpnGw4", "VpnGw5", "VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ"] as const;
/** ExpressRoute gateway SKUs. */
export const EXPRESSROUTE_SKUS = ["Standard", "HighPerformance", "UltraPerformance", "ErGw1AZ", "ErGw2AZ", "ErGw3AZ", "ErGwScale"] as const;

export const ConnectivityTarget = z.strictObject({
  kind: z.enum(["vpn", "expressroute"]).default("vpn"),
  /** Gateway SKU, of the kind's family. @default VpnGw1AZ for vpn, ErGw1AZ for expressroute */
  sku: z.enum([...VPN_SKUS, ...EXPRESSROUTE_SKUS]).optional(),
  /** With kind expressroute: SKU of the VPN gateway the retained offices use. @default VpnGw1AZ */
  officeVpnSku: z.enum(VPN_SKUS).default("VpnGw1AZ"),
  /** Retained office sites that get a site-to-site connection. */
  sites: z.array(z.strictObject({ site: Id, gatewayAddress: z.union([IpAddress, z.string().min(1)]) })).default([]),
  /** Build the paired hub in the DR region (UK West) and peer it. */
  disasterRecovery: z
    .strictObject({
      region: z.string().default("ukwest"),
      hubPrefix: Prefix,
      /** The DR hub's AzureFirewallSubnet (/26): its firewall takes over egress when UK South is lost. */
      firewallSubnet: Prefix,
      /** The DR hub's GatewaySubnet (/27), kept free for a gateway built at failover. */
      gatewaySubnet: Prefix,
    })
    .optional(),
  /** Name of the secret config key holding the IPsec pre-shared key. @default ferry:vpnSharedKey */
  sharedKeySecret: z.string().default("vpnSharedKey"),
  /** With kind expressroute: resource id of the data centre's ExpressRoute circuit. */
  expressRouteCircuitId: z.string().min(1).optional(),
});

export const DesktopsTarget = z.strictObject({
  /** The estate site applications target when they become AVD RemoteApps. */
  targetSite: Id,
  hostPoolName: z.string().min(1),
  maxSessionLimit: z.number().int().min(1).default(12),
  loadBalancer: z.enum(["BreadthFirst", "DepthFirst"]).default("BreadthFirst"),
  /** Spoke and subnet the session hosts live in. */
  spoke: Id,
  /**
   * Entra ID group object ids granted Desktop Virtualization User on the RemoteApp group of every
   * application without its own `params.userGroups` (comma-separated ids) in the estate.
   */
  userGroups: z.array(Guid).default([]),
  /** Object id of the "Azure Virtual Desktop" service principal in the tenant (Start VM on Connect, scaling). */
  avdServicePrincipalObjectId: Guid.optional(),
  /** Session hosts: VMs built from an image, registered to the host pool. */
  sessionHosts: z
    .strictObject({
      count: z.number().int().min(0).max(500),
      /** @default Standard_D4s_v5 */
      vmSize: z.string().min(1).default("Standard_D4s_v5"),
      /** Marketplace image, or `galleryImageId` for a Compute Gallery image version. */
      image: z
        .strictObject({
          publisher: z.string().min(1).default("MicrosoftWindowsDesktop"),
          offer: z.string().min(1).default("office-365"),
          sku: z.string().min(1).default("win11-24h2-avd-m365"),
          version: z.string().min(1).default("latest"),
          galleryImageId: z.string().startsWith("/subscriptions/").optional(),
        })
        .default({ publisher: "MicrosoftWindowsDesktop", offer: "office-365", sku: "win11-24h2-avd-m365", version: "latest" }),
      /** Up to 11 characters; hosts are `<namePrefix>-<n>`. */
      namePrefix: z.string().regex(/^[a-z][a-z0-9-]{0,10}$/, "must be 1-11 lowercase letters, digits and dashes"),
      /** `entra`: Microsoft Entra join; `ad`: AD DS join through the resolver's forwarding. @default entra */
      join: z.enum(["entra", "ad"]).default("entra"),
      /** With join ad: the domain, the OU and the join account (its password: config secret `ferry:domainJoinPassword`). */
      domainJoin: z.strictObject({ domain: z.string().min(1), ouPath: z.string().min(1).optional(), user: z.string().min(1) }).optional(),
      /** Local administrator's name (its password: config secret `ferry:sessionHostAdminPassword`). @default avdadmin */
      adminUsername: z.string().min(1).default("avdadmin"),
      /** The AVD agent's DSC package (Microsoft's published artefact; pin the version you tested). */
      agentPackageUrl: z.url().default("https://wvdportalstorageblob.blob.core.windows.net/galleryartifacts/Configuration_1.0.02790.438.zip"),
    })
    .optional(),
  /** FSLogix profile share on Azure Files premium. @default 1024 GiB */
  profileShareGiB: z.number().int().min(100).max(102_400).default(1024),
  /** Scaling plan schedule (weekdays), in `timeZone`. */
  scaling: z
    .strictObject({
      timeZone: z.string().default("GMT Standard Time"),
      rampUpStart: ClockTime.default("07:00"),
      peakStart: ClockTime.default("08:30"),
      rampDownStart: ClockTime.default("17:30"),
      offPeakStart: ClockTime.default("19:00"),
    })
    .default({ timeZone: "GMT Standard Time", rampUpStart: "07:00", peakStart: "08:30", rampDownStart: "17:30", offPeakStart: "19:00" }),
});

/** Everything under `ferry:` in a stack file. */
export const StackTarget = z.strictObject({
  environment: z.enum(["dev", "test", "prod"]).optional(),
  landingZone: LandingZoneTarget,
  network: NetworkTarget,
  connectivity: ConnectivityTarget.optional(),
  desktops: DesktopsTarget.optional(),
  /** Runs against this environment need a change-board approval per wave. */
  requireApproval: z.boolean().default(false),
});

export type TargetSubnet = z.infer<typeof TargetSubnet>;
export type Spoke = z.infer<typeof Spoke>;
export type NetworkTarget = z.infer<typeof NetworkTarget>;
export type LandingZoneTarget = z.infer<typeof LandingZoneTarget>;
export type ConnectivityTarget = z.infer<typeof ConnectivityTarget>;
export type DesktopsTarget = z.infer<typeof DesktopsTarget>;
export type SubscriptionRef = z.infer<typeof SubscriptionRef>;
export type Subscriptions = z.infer<typeof Subscriptions>;

/** The gateway SKU of a connectivity target: the configured one, else the kind's smallest zone-redundant SKU. */
export function gatewaySku(c: Pick<ConnectivityTarget, "kind" | "sku">): string {
  return c.sku ?? (c.kind === "expressroute" ? "ErGw1AZ" : "VpnGw1AZ");
}

/** Zone-redundant gateway SKUs need a zonal public IP; the others refuse one (RegionalVmssVpnGatewayPublicIpsMustNotHaveZonesConfigured). */
export function isZoneRedundantSku(sku: string): boolean {
  return sku.endsWith("AZ") || sku === "ErGwScale";
}

/** The subscription role a spoke lives in: explicit, else `avd` for the desktops spoke (when an avd subscription exists), else its landing zone. */
export function spokeSubscription(target: Pick<StackTarget, "desktops" | "landingZone">, spoke: Pick<Spoke, "id" | "landingZone" | "subscription">): "corp" | "online" | "avd" {
  if (spoke.subscription) return spoke.subscription;
  if (target.desktops?.spoke === spoke.id && target.landingZone.subscriptions?.avd) return "avd";
  return spoke.landingZone;
}
export type StackTarget = z.infer<typeof StackTarget>;

/** Keys of a stack file's `config:` map that ferry reads, each `ferry:<key>`. */
export const STACK_KEYS = ["environment", "landingZone", "network", "connectivity", "desktops", "requireApproval"] as const;

/**
 * A `stacks/Pulumi.<env>.yaml` file. Keys under `config:` outside the `ferry:` namespace
 * (e.g. `azure-native:location`) belong to providers and pass through unchecked.
 */
export const StackFile = z.strictObject({
  secretsprovider: z.string().optional(),
  encryptedkey: z.string().optional(),
  encryptionsalt: z.string().optional(),
  environment: z.unknown().optional(),
  config: z.record(z.string(), z.unknown()),
});
export type StackFile = z.infer<typeof StackFile>;

/**
 * A stack's target from Pulumi's runtime config, for the stacks program: `get(key)` returns
 * `ferry:<key>` as Pulumi holds it (structured values as JSON text, scalars as plain text).
 * Checked with the schema {@link loadProject} applies to stack files, which already reported
 * any error with file:line:col; this is the program's guard, so it names keys only.
 */
export function stackTargetFromConfig(get: (key: (typeof STACK_KEYS)[number]) => string | undefined, stack: string): StackTarget {
  const raw: Record<string, unknown> = {};
  for (const key of STACK_KEYS) {
    const text = get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  const parsed = StackTarget.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ferry:${i.path.map(String).join(".")}: ${i.message}`);
    throw new Error(`stack ${stack}: invalid ferry config (run \`ferry validate\` for file:line:col):\n${lines.join("\n")}`);
  }
  return parsed.data;
}

/** A secret the stacks program reads from the stack's encrypted config. */
export interface StackSecret {
  /** Key under `ferry:`, e.g. `vpnSharedKey`. */
  key: string;
  /** What it is for, for messages. */
  purpose: string;
  /** Environment variable `ferry deploy --init` takes the value from. */
  env: string;
  /** Whether --init may generate a random value when the variable is unset (never for a value that exists elsewhere). */
  generate: boolean;
}

/** The secrets a target needs (what `ferry deploy --init` sets and the program requires). */
export function secretKeysFor(target: StackTarget): StackSecret[] {
  const out: StackSecret[] = [];
  if (target.connectivity) {
    // Generated when unset: the same key is then configured on the council's VPN devices.
    out.push({ key: target.connectivity.sharedKeySecret, purpose: "IPsec pre-shared key of the site-to-site connections", env: "FERRY_VPN_SHARED_KEY", generate: true });
  }
  if (target.desktops?.sessionHosts) {
    out.push({ key: "sessionHostAdminPassword", purpose: "session hosts' local administrator password (kept in the AVD Key Vault too)", env: "FERRY_SESSION_HOST_ADMIN_PASSWORD", generate: true });
    if (target.desktops.sessionHosts.join === "ad") out.push({ key: "domainJoinPassword", purpose: "password of the AD DS join account", env: "FERRY_DOMAIN_JOIN_PASSWORD", generate: false });
  }
  return out;
}
