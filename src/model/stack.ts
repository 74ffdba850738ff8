import { z } from "zod";
import { Id, IpAddress, Prefix } from "./common.js";

/**
 * The declarative target, kept as Pulumi structured config under the `ferry:` namespace in
 * `stacks/Pulumi.<env>.yaml`. Pulumi owns the file's top level (config, secretsprovider,
 * encryptionsalt…), so unlike ferry's own documents it carries no apiVersion/kind header.
 */

export const TargetSubnet = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be an Azure subnet name"),
  prefix: Prefix,
  /** Hosts the subnet must fit; Azure keeps 5 addresses of every subnet. */
  hosts: z.number().int().min(0).optional(),
});

export const Hub = z.strictObject({
  prefix: Prefix,
  /** Fixed-name platform subnets; each must sit inside the hub prefix. */
  firewallSubnet: Prefix,
  bastionSubnet: Prefix,
  gatewaySubnet: Prefix,
  firewallManagementSubnet: Prefix.optional(),
});

export const Spoke = z.strictObject({
  id: Id,
  prefix: Prefix,
  /** Workload area this spoke serves (corp or online landing zone). @default corp */
  landingZone: z.enum(["corp", "online"]).default("corp"),
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
  bgpAsn: z.number().int().min(1).max(4_294_967_295).optional(),
});

export const NetworkTarget = z.strictObject({
  /** The one address space of the merged network. */
  supernet: Prefix,
  hub: Hub,
  spokes: z.array(Spoke).default([]),
  /** Retained sites' allocations; legacy networks there re-IP into these. */
  sites: z.array(SiteAllocation).default([]),
  dataCentre: DataCentre.optional(),
  /** Private DNS zones linked to the hub. */
  privateDnsZones: z.array(z.string().min(1)).default([]),
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
});

export const ConnectivityTarget = z.strictObject({
  kind: z.enum(["vpn", "expressroute"]).default("vpn"),
  /** Gateway SKU. @default VpnGw1AZ */
  sku: z.string().default("VpnGw1AZ"),
  /** Retained office sites that get a site-to-site connection. */
  sites: z.array(z.strictObject({ site: Id, gatewayAddress: z.union([IpAddress, z.string().min(1)]) })).default([]),
  /** Build the paired hub in the DR region (UK West) and peer it. */
  disasterRecovery: z.strictObject({ region: z.string().default("ukwest"), hubPrefix: Prefix }).optional(),
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
  /** Entra ID group object ids granted Desktop Virtualization User on the app groups. */
  userGroups: z.array(z.string()).default([]),
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
