/** Address-plan arithmetic: pure functions over IPv4/IPv6 prefixes (see docs/network.md). */
export { analyseAddressPlan, legacyOverlaps } from "./analyse.js";
export type { AddressCode, AddressFinding, AddressPlanReport, AnalyseOptions, BlockUse, LegacyOverlapRow, ReipRow, Severity, TargetCollisionRow, Utilisation } from "./analyse.js";
export { contains, formatAddress, makePrefix, mustParsePrefix, overlaps, parsePrefix, prefixSize } from "./prefix.js";
export type { IpPrefix } from "./prefix.js";
export { findCrossOverlaps, findOverlaps } from "./overlaps.js";
export { AZURE_RESERVED_PER_SUBNET, FIXED_SUBNET_MAX_LENGTH, lengthForHosts, subnetSizeProblem, usableAddresses } from "./sizing.js";
export { BlockAllocator, unionSize } from "./allocator.js";
export { targetPrefixes } from "./target.js";
export { mappingCsv, MAPPING_COLUMNS, renderAddressPlan } from "./render.js";
