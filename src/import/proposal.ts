/**
 * What one source says about the estate, before it meets the files: entries keyed by derived
 * id, split into the fields the source owns (kept up to date by later imports unless a person
 * edited them) and the fields it only sets when it creates an entry (owner, disposition…).
 */
import type { Diagnostic } from "../model/diagnostics.js";
import type { ImportRules } from "./mapping.js";

export const SOURCES = ["rvtools", "azure-migrate", "servicenow", "citrix", "netbox"] as const;
export type SourceName = (typeof SOURCES)[number];

export const LISTS = ["sites", "networks", "hosts", "applications"] as const;
export type ListName = (typeof LISTS)[number];

export interface ProposedEntry {
  id: string;
  /** Fields the source owns, by path (`os`, `params.remoteAppPath`). */
  owned: Record<string, unknown>;
  /** Fields set only when the entry is created. */
  initial: Record<string, unknown>;
  /** The source row, for the comment above the entry: `rvtools.xlsx#vInfo row 12 (VM NBC-IWORLD01)`. */
  origin: string;
  /** Names the entry answers to in other sources (hosts: VM name, DNS name), lowercased by the matcher. */
  names?: string[];
}

/** A dependency between two applications, or between the applications of two hosts. */
export interface ProposedLink {
  from: { app: string } | { host: string };
  to: { app: string } | { host: string };
  /** Ports seen (Azure Migrate), or the relationship type (ServiceNow). */
  detail: string[];
  origin: string;
}

export interface Proposal {
  source: SourceName;
  lists: Record<ListName, ProposedEntry[]>;
  links: ProposedLink[];
  warnings: Diagnostic[];
  /** One line per input file: what was read. */
  read: string[];
}

export interface SourceContext {
  rules: ImportRules;
  /** `--site`: the site of rows that do not say where they are. */
  site?: string;
  /** `--organisation`: set on the sites and applications an import creates. */
  organisation?: string;
}

export interface InputFile {
  /** Path to read. */
  path: string;
  /** The file as named in messages. */
  name: string;
}

export function emptyProposal(source: SourceName): Proposal {
  return { source, lists: { sites: [], networks: [], hosts: [], applications: [] }, links: [], warnings: [], read: [] };
}

/** The fields an import gives an application it creates (from the mapping's `application:`). */
export function newApplicationFields(ctx: SourceContext, over: { disposition?: string; target?: string } = {}): Record<string, unknown> {
  const a = ctx.rules.application;
  const disposition = over.disposition ?? a.disposition;
  const target = over.target ?? a.target;
  return {
    ...(ctx.organisation ? { organisation: ctx.organisation } : {}),
    owner: a.owner,
    criticality: a.criticality,
    disposition,
    ...(target && disposition !== "retain" && disposition !== "retire" ? { target } : {}),
  };
}
