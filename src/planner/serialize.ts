import type { Plan } from "../model/plan.js";

/** Top-level lists whose entries are written one to a line. */
const PLAN_ROWS = new Set(["unplaced", "warnings", "moved"]);
/** A wave's lists whose entries are written one to a line. */
const WAVE_ROWS = new Set(["applications", "datasets", "changes"]);

/**
 * The plan file's bytes: JSON in the planner's fixed key order with a trailing newline, laid out
 * for review in git. Each application, data set and change of a wave, each step of a wave's
 * critical path (`timing.criticalPath`), and each unplaced entry, warning and move, is one
 * compact line; everything else is indented by two spaces as
 * `JSON.stringify(plan, null, 2)` would write it. Moving one application between waves is then a
 * two-line diff, and a plan is about half the size of the fully indented form.
 *
 * `JSON.parse` of the text gives the same value as `JSON.parse(JSON.stringify(plan))`, so the
 * hash, computed over the RFC 8785 form of that value, does not depend on this layout.
 */
export function serializePlan(plan: Plan): string {
  const out: string[] = [];
  writeObject(out, plan as Record<string, unknown>, "", (key) =>
    key === "waves" ? "waves" : PLAN_ROWS.has(key) ? "rows" : "indent",
  );
  out.push("\n");
  return out.join("");
}

type Layout = "indent" | "rows" | "waves" | "timing";
/** A wave's `timing` members whose entries are written one to a line. */
const TIMING_ROWS = new Set(["criticalPath"]);

/** Values `JSON.stringify` leaves out of an object (and writes as null in an array). */
function omitted(value: unknown): boolean {
  return value === undefined || typeof value === "function" || typeof value === "symbol";
}

function write(out: string[], value: unknown, indent: string, layout: Layout): void {
  // Anything with `toJSON`, and every non-container, is written exactly as JSON.stringify would.
  if (
    typeof value !== "object" ||
    value === null ||
    typeof (value as { toJSON?: unknown }).toJSON === "function"
  ) {
    out.push(JSON.stringify(value, null, 2).replaceAll("\n", `\n${indent}`));
    return;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      out.push("[]");
      return;
    }
    const inner = `${indent}  `;
    out.push("[");
    value.forEach((entry: unknown, i) => {
      out.push(i === 0 ? "\n" : ",\n", inner);
      if (omitted(entry)) out.push("null");
      else if (layout === "rows") out.push(JSON.stringify(entry) ?? "null");
      else if (layout === "waves" && isPlainObject(entry))
        writeObject(out, entry, inner, (key) => (WAVE_ROWS.has(key) ? "rows" : key === "timing" ? "timing" : "indent"));
      else write(out, entry, inner, "indent");
    });
    out.push(`\n${indent}]`);
    return;
  }
  writeObject(out, value as Record<string, unknown>, indent, (key) => (layout === "timing" && TIMING_ROWS.has(key) ? "rows" : "indent"));
}

function writeObject(
  out: string[],
  value: Record<string, unknown>,
  indent: string,
  layoutOf: (key: string) => Layout,
): void {
  if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    write(out, value, indent, "indent");
    return;
  }
  const inner = `${indent}  `;
  let first = true;
  for (const key of Object.keys(value)) {
    const entry = value[key];
    if (omitted(entry)) continue;
    out.push(first ? "{\n" : ",\n", inner, JSON.stringify(key), ": ");
    first = false;
    write(out, entry, inner, layoutOf(key));
  }
  out.push(first ? "{}" : `\n${indent}}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
