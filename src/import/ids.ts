/**
 * Ids from names, the same every time: an export row keeps its id across re-imports, so hand
 * edits, references and plans keyed by it stay attached.
 */

/** Lowercase id from a display name: accents dropped, anything but letters and digits becomes one dash. */
export function slugId(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/, "");
  return s || "unnamed";
}

/** A server's id: its short name (an FQDN loses its domain), as a slug. */
export function hostId(name: string): string {
  const trimmed = name.trim();
  const short = /^\d+\.\d+\.\d+\.\d+$/.test(trimmed) ? trimmed : trimmed.split(".")[0]!;
  return slugId(short);
}

/**
 * Give each item an id: its slug, or for the second and later items sharing a slug, `slug-2`,
 * `slug-3`… in the order of their `key` (a stable source key such as a VM UUID or the full
 * name), skipping ids another item has naturally. The input order does not matter, so a
 * re-sorted export gets the same ids.
 */
export function allocateIds(items: readonly { key: string; slug: string }[]): Map<string, string> {
  const natural = new Set(items.map((i) => i.slug));
  const sorted = [...items].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const taken = new Set<string>();
  const out = new Map<string, string>();
  for (const item of sorted) {
    if (out.has(item.key)) continue;
    let id = item.slug;
    if (taken.has(id)) {
      let n = 2;
      while (taken.has(`${item.slug}-${n}`) || natural.has(`${item.slug}-${n}`)) n++;
      id = `${item.slug}-${n}`;
    }
    taken.add(id);
    out.set(item.key, id);
  }
  return out;
}
