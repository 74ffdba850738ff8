import * as pulumi from "@pulumi/pulumi";
import { StackTarget, STACK_KEYS } from "../model/stack.js";

/**
 * Read `ferry:*` from the stack's config and parse it with the same schema `ferry validate`
 * uses (which already reported any error with file:line:col; this is the program's guard).
 */
export function readTarget(config = new pulumi.Config("ferry")): StackTarget {
  const raw: Record<string, unknown> = {};
  for (const key of STACK_KEYS) {
    // Pulumi keeps structured values as JSON text and scalars as plain text ("prod", "true").
    const text = config.get(key);
    if (text === undefined) continue;
    try {
      raw[key] = JSON.parse(text);
    } catch {
      raw[key] = text;
    }
  }
  const parsed = StackTarget.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ferry:${i.path.map(String).join(".")}: ${i.message}`);
    throw new Error(`stack ${pulumi.getStack()}: invalid ferry config (run \`ferry validate\` for file:line:col):\n${lines.join("\n")}`);
  }
  return parsed.data;
}
