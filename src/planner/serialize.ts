import type { Plan } from "../model/plan.js";

/**
 * The plan file's bytes: two-space JSON in the planner's fixed key order with a trailing
 * newline, so plans diff cleanly in git. (The hash does not depend on this layout: it is
 * computed over the RFC 8785 form.)
 */
export function serializePlan(plan: Plan): string {
  return `${JSON.stringify(plan, null, 2)}\n`;
}
