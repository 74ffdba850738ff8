/**
 * Parse a simple JSON path: dotted keys with array indices, `status`, `data.items[0].name`
 * or `data.items.0.name`. A leading `$.` is allowed. No wildcards, filters or quoting: a
 * health check names one field.
 */
export function parseJsonPath(path: string): (string | number)[] {
  const text = path.startsWith("$.") ? path.slice(2) : path === "$" ? "" : path;
  if (text === "") return [];
  const parts: (string | number)[] = [];
  for (const segment of text.split(".")) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(segment);
    if (!m || (m[1] === "" && m[2] === "")) throw new Error(`"${path}" is not a path such as data.items[0].name`);
    if (m[1] !== "") parts.push(/^\d+$/.test(m[1]!) ? Number(m[1]) : m[1]!);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts;
}

/** Look a path up in parsed JSON. `found` is false when any step of the way is missing. */
export function getJsonPath(value: unknown, path: string): { found: boolean; value: unknown } {
  let current: unknown = value;
  for (const part of parseJsonPath(path)) {
    if (typeof part === "number" && Array.isArray(current) && part < current.length) current = current[part];
    else if (current !== null && typeof current === "object" && !Array.isArray(current) && Object.hasOwn(current, String(part)))
      current = (current as Record<string, unknown>)[String(part)];
    else return { found: false, value: undefined };
  }
  return { found: true, value: current };
}

/**
 * Compare a JSON value with the expected scalar from a runbook. Templates render to strings,
 * so an expected string also matches a number or boolean with the same text (`"3"` = 3);
 * otherwise the comparison is strict.
 */
export function jsonEquals(actual: unknown, expected: string | number | boolean | null): boolean {
  if (actual === expected) return true;
  if (typeof expected === "string" && (typeof actual === "number" || typeof actual === "boolean")) return String(actual) === expected;
  return false;
}
