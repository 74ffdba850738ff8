/**
 * The estate's id references resolved to positions, once. Validation has to look every
 * reference up to check it; recording where each one points lets the planner follow them by
 * index instead of looking the same 300k+ ids up again in maps of 100k strings (at that size the
 * look-ups, each a hash of a fresh string and a probe far from cache, were most of the graph
 * work). Positions are into the merged estate's lists (`estate.applications`, `estate.hosts`);
 * -1 marks an id that names nothing (validation reports it).
 */
import type { Estate } from "./estate.js";

export interface EstateRefs {
  /** Application i's `dependsOn[j]` is entry `depStart[i] + j`; length applications + 1. */
  depStart: Int32Array;
  /** The application each `dependsOn` entry names, by position; -1 when none has that id. */
  depApp: Int32Array;
  /** What each `dependsOn` entry asks: {@link LINK_ORDER}, {@link LINK_TOGETHER} or {@link LINK_NONE}. */
  depKind: Uint8Array;
  /** Application i's `hosts[j]` is entry `hostStart[i] + j`; length applications + 1. */
  hostStart: Int32Array;
  /** The host each application's `hosts` entry names, by position; -1 when none has that id. */
  appHost: Int32Array;
}

/** A `dependsOn` link that orders the waves (the default). */
export const LINK_ORDER = 0;
/** A `together: true` link: the same wave. */
export const LINK_TOGETHER = 1;
/** An `order: none` link: recorded only. */
export const LINK_NONE = 2;

/** Position of the first entity with each id (later duplicates are validation errors). */
export function positions(list: readonly { id: string }[]): Map<string, number> {
  const map = new Map<string, number>();
  for (let i = 0; i < list.length; i++) if (!map.has(list[i]!.id)) map.set(list[i]!.id, i);
  return map;
}

/** Resolve every application's `dependsOn` and `hosts`, given the id positions (built here when not passed). */
export function resolveRefs(estate: Pick<Estate, "applications" | "hosts">, apps = positions(estate.applications), hosts = positions(estate.hosts)): EstateRefs {
  const n = estate.applications.length;
  const depStart = new Int32Array(n + 1);
  const hostStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    const a = estate.applications[i]!;
    depStart[i + 1] = depStart[i]! + a.dependsOn.length;
    hostStart[i + 1] = hostStart[i]! + a.hosts.length;
  }
  const depApp = new Int32Array(depStart[n]!);
  const depKind = new Uint8Array(depStart[n]!);
  const appHost = new Int32Array(hostStart[n]!);
  for (let i = 0; i < n; i++) {
    const a = estate.applications[i]!;
    let k = depStart[i]!;
    for (const d of a.dependsOn) {
      depKind[k] = d.together ? LINK_TOGETHER : d.order === "none" ? LINK_NONE : LINK_ORDER;
      depApp[k++] = apps.get(d.app) ?? -1;
    }
    k = hostStart[i]!;
    for (const h of a.hosts) appHost[k++] = hosts.get(h) ?? -1;
  }
  return { depStart, depApp, depKind, hostStart, appHost };
}

/** The refs as plain JSON (for the document cache). */
export function refsToJson(refs: EstateRefs): Record<keyof EstateRefs, number[]> {
  return { depStart: Array.from(refs.depStart), depApp: Array.from(refs.depApp), depKind: Array.from(refs.depKind), hostStart: Array.from(refs.hostStart), appHost: Array.from(refs.appHost) };
}

/**
 * Refs read back from JSON, checked to have this estate's shape (every application's number
 * of links and hosts, every position in range); undefined when they do not, so a stale or
 * damaged record is never followed.
 */
export function refsFromJson(value: unknown, estate: Pick<Estate, "applications" | "hosts">): EstateRefs | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  const ints = (x: unknown): Int32Array | undefined => (Array.isArray(x) && x.every((e) => Number.isInteger(e)) ? Int32Array.from(x as number[]) : undefined);
  const depStart = ints(v.depStart);
  const depApp = ints(v.depApp);
  const hostStart = ints(v.hostStart);
  const appHost = ints(v.appHost);
  const kinds = ints(v.depKind);
  if (!depStart || !depApp || !hostStart || !appHost || !kinds) return undefined;
  const n = estate.applications.length;
  if (depStart.length !== n + 1 || hostStart.length !== n + 1 || depStart[0] !== 0 || hostStart[0] !== 0) return undefined;
  for (let i = 0; i < n; i++) {
    const a = estate.applications[i]!;
    if (depStart[i + 1]! - depStart[i]! !== a.dependsOn.length || hostStart[i + 1]! - hostStart[i]! !== a.hosts.length) return undefined;
  }
  if (depApp.length !== depStart[n] || kinds.length !== depStart[n] || appHost.length !== hostStart[n]) return undefined;
  for (const p of depApp) if (p < -1 || p >= n) return undefined;
  for (const k of kinds) if (k !== LINK_ORDER && k !== LINK_TOGETHER && k !== LINK_NONE) return undefined;
  for (const p of appHost) if (p < -1 || p >= estate.hosts.length) return undefined;
  return { depStart, depApp, depKind: Uint8Array.from(kinds), hostStart, appHost };
}
