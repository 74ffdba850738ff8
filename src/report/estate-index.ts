import type { Application, Estate, Host } from "../model/estate.js";

/** The estate's applications and hosts by id. */
export interface EstateIndex {
  appById: ReadonlyMap<string, Application>;
  hostById: ReadonlyMap<string, Host>;
}

const EMPTY: EstateIndex = { appById: new Map(), hostById: new Map() };
const indexes = new WeakMap<Estate, EstateIndex>();

/**
 * The estate's lookups, built once per estate: the pack model and each wave's timing both look
 * applications and hosts up by id, and at 100k each map costs tens of milliseconds to build.
 */
export function estateIndex(estate: Estate | undefined): EstateIndex {
  if (!estate) return EMPTY;
  let index = indexes.get(estate);
  if (!index) indexes.set(estate, (index = { appById: new Map(estate.applications.map((a) => [a.id, a])), hostById: new Map(estate.hosts.map((h) => [h.id, h])) }));
  return index;
}
