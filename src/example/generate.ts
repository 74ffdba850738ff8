import { pick, seededRandom } from "./random.js";

export interface ExampleOptions {
  /** Number of applications. 1 to 100,000+. */
  apps: number;
  /** PRNG seed; the same seed and size give byte-identical files. @default 1 */
  seed?: number;
  /** Applications per estate file (real estates are split by team). @default 5000 */
  appsPerFile?: number;
  /** Hosts per estate file: one huge file would cost the loader one huge YAML tree. @default 5000 */
  hostsPerFile?: number;
  /** Applications the calendar's capacity must fit, when an import will make more than `apps` of them. @default apps */
  capacityFor?: number;
}

/** A generated file: path relative to the output directory, and its text. */
export interface GeneratedFile {
  path: string;
  text: string;
}

const SYSTEMS = [
  ["revs", "Revenues", "Revenues and Benefits", "citrix"],
  ["bens", "Benefits", "Revenues and Benefits", "citrix"],
  ["planning", "Planning", "Planning", "citrix"],
  ["bc", "Building Control", "Planning", "citrix"],
  ["hr", "HR and Payroll", "People Services", "web"],
  ["crm", "Customer Contact", "Customer Services", "citrix"],
  ["elections", "Electoral Register", "Electoral Services", "desktop"],
  ["waste", "Waste Rounds", "Environment", "web"],
  ["housing", "Housing Register", "Housing", "citrix"],
  ["gis", "GIS", "Digital and Technology", "desktop"],
  ["edms", "Document Management", "Digital and Technology", "server"],
  ["finance", "Financials", "Finance", "citrix"],
  ["payments", "Payments", "Finance", "web"],
  ["licensing", "Licensing", "Regulatory Services", "saas"],
] as const;
const DISPOSITIONS = ["rehost", "rehost", "rehost", "replatform", "repurchase", "relocate", "retire", "retain"] as const;
const CRITICALITY = ["critical", "high", "high", "medium", "medium", "low"] as const;

const q = (s: string) => JSON.stringify(s);
const HEADER = (schema: string) => `# yaml-language-server: $schema=../schemas/${schema}.schema.json\napiVersion: ferry/v1\nkind: Estate\n`;

/**
 * A synthetic estate of `apps` applications: legacy sites with overlapping networks, hosts
 * behind per-site jump hosts, ~3 dependency links per application (together-clusters, ordinary
 * links and a few order cycles), blackouts and a calendar whose capacity fits the size.
 * Pure and deterministic: the same options give the same files.
 */
export function generateExample(opts: ExampleOptions): GeneratedFile[] {
  const n = Math.max(1, Math.floor(opts.apps));
  const rand = seededRandom(opts.seed ?? 1);
  const perFile = opts.appsPerFile ?? 5000;
  const hostsPerFile = Math.max(1, opts.hostsPerFile ?? 5000);
  const siteCount = Math.max(4, Math.ceil(n / 200));
  const orgs = ["nbc", "ddc", "ncc", "snc"];

  const sites: string[] = [];
  const lines: string[] = [HEADER("estate"), "organisations:"];
  lines.push(`  - { id: wnc, name: West Northamptonshire Council }`);
  const orgNames: Record<string, string> = { nbc: "Northampton Borough Council", ddc: "Daventry District Council", ncc: "Northamptonshire County Council", snc: "South Northamptonshire Council" };
  for (const o of orgs) lines.push(`  - { id: ${o}, name: ${q(orgNames[o]!)}, successor: wnc }`);
  lines.push("sites:");
  for (let s = 0; s < siteCount; s++) {
    const id = `site-${String(s + 1).padStart(4, "0")}`;
    sites.push(id);
    const kind = s % 5 === 0 ? "datacentre" : "office";
    const closes = s % 3 === 0 ? `, closes: ${2027 + (s % 2)}-0${3 + (s % 6)}-30` : "";
    lines.push(`  - { id: ${id}, name: ${q(`Site ${s + 1}`)}, kind: ${kind}, organisation: ${orgs[s % 4]}${closes} }`);
  }
  lines.push(`  - { id: azure-uksouth, name: Azure UK South, kind: cloud, organisation: wnc, region: uksouth }`);
  lines.push(`  - { id: avd-uksouth, name: Azure Virtual Desktop UK South, kind: cloud, organisation: wnc, region: uksouth }`);
  const perWave = Math.max(4, Math.ceil(Math.max(n, opts.capacityFor ?? 0) / 36));
  lines.push(
    "calendar:",
    "  firstWave: 2027-01-12",
    "  cadenceDays: 14",
    '  window: { start: "19:00", end: "23:30", timezone: Europe/London }',
    "  horizonWaves: 52",
    "  freezes:",
    "    - { from: 2026-12-18, to: 2027-01-04, reason: Christmas change freeze }",
    "    - { from: 2027-12-17, to: 2028-01-04, reason: Christmas change freeze }",
    `  capacity: { applications: ${perWave}, effort: ${perWave * 3}, users: ${perWave * 150}, perSite: ${Math.max(2, Math.ceil((perWave / siteCount) * 4))} }`,
    "",
  );
  const files: GeneratedFile[] = [{ path: "estate/sites.yaml", text: lines.join("\n") }];

  // Networks: each site has its own 10.x servers range, but user LANs reuse 192.168.x.0/24
  // across sites, the way separately run councils did.
  const net: string[] = [HEADER("estate"), "networks:"];
  const serverBase = (s: number) => `10.${16 + (s >> 4)}.${(s & 15) * 16}`;
  for (let s = 0; s < siteCount; s++) {
    const site = sites[s]!;
    net.push(`  - { id: ${site}-servers, site: ${site}, prefix: ${serverBase(s)}.0/20, vlan: 110, purpose: servers }`);
    net.push(`  - { id: ${site}-users, site: ${site}, prefix: 192.168.${s % 8}.0/24, vlan: 120, purpose: users }`);
  }
  net.push("");
  files.push({ path: "estate/networks.yaml", text: net.join("\n") });

  // Hosts: a jump host per site, one server per application, and cloud targets.
  const host: string[] = [];
  for (let s = 0; s < siteCount; s++) {
    host.push(`  - { id: ${sites[s]}-bastion, site: ${sites[s]}, address: ${serverBase(s)}.5, os: linux, ssh: { user: ferry, port: 22 } }`);
  }
  const targetCount = Math.max(2, Math.ceil(n / 100));
  for (let t = 0; t < targetCount; t++) {
    host.push(`  - { id: az-app${String(t + 1).padStart(5, "0")}, site: azure-uksouth, address: 10.97.${t >> 8}.${(t & 255) || 1}, os: linux, ssh: { user: ferry } }`);
  }

  const appFiles: string[][] = [];
  const appSite: number[] = [];
  const ids: string[] = [];
  const dispositions: string[] = [];
  for (let i = 0; i < n; i++) {
    const [sys] = pick(rand, SYSTEMS);
    ids.push(`${sys}-${String(i + 1).padStart(6, "0")}`);
    appSite.push(Math.floor(rand() * siteCount));
    dispositions.push(pick(rand, DISPOSITIONS));
  }
  // Together-clusters of 2-3 consecutive applications on the same site, ~10% of applications.
  const togetherWith = new Map<number, number>();
  for (let i = 1; i < n; i++) if (rand() < 0.1 && !togetherWith.has(i - 1)) togetherWith.set(i, i - 1);
  // A retirement switched off with a system that moves would tie the reversed retirement order
  // to the forward one and knot whole chains into one cycle: partners share the disposition.
  for (const [i, partner] of togetherWith) dispositions[i] = dispositions[partner]!;
  const cycles = new Set<number>();
  for (let k = 0; k < Math.max(1, Math.floor(n / 2000)); k++) cycles.add(2 + Math.floor(rand() * Math.max(1, n - 2)));

  const hostsAtSite: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = ids[i]!;
    const s = appSite[i]!;
    if (togetherWith.has(i)) appSite[i] = appSite[togetherWith.get(i)!]!;
    const site = sites[appSite[i]!]!;
    void s;
    const sysEntry = SYSTEMS.find(([k]) => id.startsWith(`${k}-`))!;
    const [, label, owner, delivery] = sysEntry;
    const disposition = dispositions[i]!;
    const hostId = `${id}-vm`;
    // Number servers per site so every address stays inside the site's /20 (15 × 256 after the bastion's block).
    const hostIndex = (hostsAtSite[appSite[i]!] = (hostsAtSite[appSite[i]!] ?? 0) + 1) % 3840;
    const base = serverBase(appSite[i]!).split(".");
    const addr = `${base[0]}.${base[1]}.${Number(base[2]) + 1 + (hostIndex >> 8)}.${(hostIndex & 255) || 10}`;
    host.push(`  - { id: ${hostId}, site: ${site}, address: ${addr}, os: ${i % 3 === 0 ? "windows" : "linux"}, ssh: { user: ferry, via: ${site}-bastion } }`);

    const deps: string[] = [];
    if (togetherWith.has(i)) deps.push(`{ app: ${ids[togetherWith.get(i)!]}, together: true }`);
    for (let k = 0; k < 2 && i > 1; k++) {
      const j = Math.floor(rand() * i);
      if (j === togetherWith.get(i) || deps.some((d) => d.includes(ids[j]!))) continue;
      deps.push(`{ app: ${ids[j]} }`);
    }
    if (i > 0 && rand() < 0.3) deps.push(`{ app: ${ids[Math.floor(rand() * i)]}, order: none }`);
    // An order cycle: i depends on i-1 and i-1 (below) depends on i.
    if (cycles.has(i) && !deps.some((d) => d.includes(ids[i - 1]!))) deps.push(`{ app: ${ids[i - 1]} }`);
    if (cycles.has(i + 1) && !togetherWith.has(i + 1) && !deps.some((d) => d.includes(ids[i + 1]!))) deps.push(`{ app: ${ids[i + 1]} }`);

    const cloudDelivery = delivery === "citrix" ? "avd-uksouth" : "azure-uksouth";
    const target = disposition === "retire" || disposition === "retain" ? "" : disposition === "relocate" ? `, target: ${sites[(appSite[i]! + 1) % siteCount]}` : `, target: ${cloudDelivery}`;
    const params =
      delivery === "citrix" && target.includes("avd")
        ? `, params: { remoteAppPath: ${q(`C:\\Program Files\\${label}\\${label.replace(/ /g, "")}.exe`)} }`
        : target.includes("azure")
          ? `, params: { targetHost: az-app${String((i % targetCount) + 1).padStart(5, "0")} }`
          : "";
    const blackout = sysEntry[0] === "revs" || sysEntry[0] === "bens" ? `, blackouts: [{ from: 2027-02-01, to: 2027-03-31, reason: Annual council tax billing }]` : sysEntry[0] === "elections" ? `, blackouts: [{ from: 2027-03-22, to: 2027-05-14, reason: Local elections period }]` : "";
    const users = 5 + Math.floor(rand() * 250);
    const effort = 1 + Math.floor(rand() * 5);
    const entry =
      `  - { id: ${id}, name: ${q(`${label} ${i + 1}`)}, organisation: ${orgs[appSite[i]! % 4]}, owner: ${q(owner)}, criticality: ${pick(rand, CRITICALITY)}, ` +
      `users: ${users}, delivery: ${disposition === "repurchase" ? "saas" : delivery}, disposition: ${disposition}${target}, hosts: [${hostId}]${params}, effort: ${effort}` +
      `${deps.length ? `, dependsOn: [${deps.join(", ")}]` : ""}${blackout} }`;
    const f = Math.floor(i / perFile);
    (appFiles[f] ??= [HEADER("estate"), "applications:"]).push(entry);
  }
  for (let f = 0; f * hostsPerFile < host.length; f++) {
    const chunk = host.slice(f * hostsPerFile, (f + 1) * hostsPerFile);
    files.push({ path: `estate/hosts-${String(f + 1).padStart(3, "0")}.yaml`, text: [HEADER("estate"), "hosts:", ...chunk, ""].join("\n") });
  }
  appFiles.forEach((lines, f) => files.push({ path: `estate/applications-${String(f + 1).padStart(3, "0")}.yaml`, text: lines.join("\n") + "\n" }));

  const data: string[] = [HEADER("estate"), "datasets:"];
  for (let i = 0; i < n; i += 10) {
    const decision = pick(rand, ["migrate", "migrate", "archive", "destroy"] as const);
    data.push(`  - { id: ${ids[i]}-data, application: ${ids[i]}, sizeGb: ${1 + Math.floor(rand() * 900)}, retainUntil: ${2025 + Math.floor(rand() * 6)}-03-31, decision: ${decision} }`);
  }
  data.push("");
  files.push({ path: "estate/datasets.yaml", text: data.join("\n") });
  return files;
}
