/**
 * The mapping rules a council sets without code: which source names are which site, where an
 * application's name comes from, how an OS text maps to `os`, and the fields given to the
 * applications an import creates. They live in `import.yaml` at the project root
 * (`kind: ImportMapping`, one `import:` section); every rule has a default, so the file is
 * optional. docs/import.md lists the defaults.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { API_VERSION, Id } from "../model/common.js";
import { InputError, UsageError } from "../model/diagnostics.js";
import { Criticality, Disposition, OsKind, SiteKind } from "../model/estate.js";
import { issuesToDiagnostics } from "../model/schema-issues.js";
import { parseYaml } from "../model/yaml-source.js";

const Regex = z.string().refine((s) => {
  try {
    new RegExp(s, "i");
    return true;
  } catch {
    return false;
  }
}, "must be a regular expression");

/** The `import:` section. */
export const ImportRules = z.strictObject({
  /** Source site names (RVTools Datacenter or Cluster, ServiceNow location, NetBox site) → site ids; names match without case. @default {} (ids derived from the names) */
  sites: z.record(z.string(), Id).default({}),
  /** RVTools: a VM's site is its `datacenter` or its `cluster`. @default datacenter */
  siteFrom: z.enum(["datacenter", "cluster"]).default("datacenter"),
  /** Kind of the sites an import creates. @default datacentre */
  siteKind: SiteKind.default("datacentre"),
  /** RVTools: where a VM's application name comes from. @default annotation, with the pattern below */
  applicationFrom: z.enum(["annotation", "folder", "none"]).default("annotation"),
  /** Annotation line naming the application; the first capture group is the name. @default `^\s*(?:app|application|service)\s*[:=]\s*(.+?)\s*$` */
  annotationPattern: Regex.default("^\\s*(?:app|application|service)\\s*[:=]\\s*(.+?)\\s*$"),
  /** OS text → `os`, first match wins (case-insensitive regular expressions). @default windows, common Linux distributions, appliances, network operating systems */
  os: z.array(z.strictObject({ match: Regex, os: OsKind })).default([
    { match: "windows", os: "windows" },
    { match: "linux|red ?hat|rhel|centos|ubuntu|debian|suse|sles|oracle|rocky|alma|photon", os: "linux" },
    { match: "cisco|juniper|junos|fortios|fortigate|pan-?os|palo alto|aruba|arista|ios-?xe|nx-?os", os: "network-device" },
    { match: "appliance|esxi|vmware|freebsd|other", os: "appliance" },
  ]),
  /** `os` for a server whose OS text matches no rule (a warning names the row). @default linux */
  defaultOs: OsKind.default("linux"),
  /** Fields of an application an import creates; set once, never touched by a later import. */
  application: z
    .strictObject({
      owner: z.string().min(1).default("Unassigned (imported)"),
      criticality: Criticality.default("medium"),
      disposition: Disposition.default("retain"),
      target: Id.optional(),
    })
    .default({ owner: "Unassigned (imported)", criticality: "medium", disposition: "retain" }),
  /** Citrix published applications: the disposition and target they get when created (e.g. replatform to avd-uksouth). */
  citrix: z
    .strictObject({ disposition: Disposition.default("retain"), target: Id.optional() })
    .default({ disposition: "retain" }),
});
export type ImportRules = z.infer<typeof ImportRules>;

export const ImportMappingFile = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal("ImportMapping"),
  import: ImportRules.default(ImportRules.parse({})),
});

/** The default rules, as used when there is no mapping file. */
export const DEFAULT_RULES: ImportRules = ImportRules.parse({});

/**
 * Read the mapping file: `file` when given (it must exist), else `<dir>/import.yaml` when present,
 * else the defaults. A bad file is an InputError at its `line:col`.
 */
export async function loadRules(dir: string, file?: string): Promise<{ rules: ImportRules; file?: string }> {
  const path = file ?? join(dir, "import.yaml");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && file === undefined) return { rules: DEFAULT_RULES };
    throw new UsageError(`cannot read the mapping file ${path}: ${(err as Error).message}`, "file-not-found");
  }
  const parsed = parseYaml(path, text);
  if (parsed.diagnostics.length > 0 || !parsed.source) throw new InputError(parsed.diagnostics);
  const result = ImportMappingFile.safeParse(parsed.data);
  if (!result.success) throw new InputError(issuesToDiagnostics(result.error.issues, parsed.source, parsed.data));
  return { rules: result.data.import, file: path };
}

/** The `os` for an OS text, or undefined when no rule matches. */
export function osOf(rules: ImportRules, text: string): z.infer<typeof OsKind> | undefined {
  if (!text.trim()) return undefined;
  return rules.os.find((r) => new RegExp(r.match, "i").test(text))?.os;
}

/** The site id for a source site name: the mapping's, else undefined (the caller derives one). */
export function mappedSite(rules: ImportRules, name: string): string | undefined {
  const key = name.trim().toLowerCase();
  for (const [from, to] of Object.entries(rules.sites)) if (from.trim().toLowerCase() === key) return to;
  return undefined;
}
