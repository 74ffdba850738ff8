import { z } from "zod";
import { Approval } from "./approval.js";
import { EstateFile } from "./estate.js";
import { Plan } from "./plan.js";
import { Runbook } from "./runbook.js";
import { StackTarget } from "./stack.js";

const SCHEMA_BASE = "https://ferry.dev/schemas";

/**
 * JSON Schema for every document kind, generated from the zod schemas (the single source of
 * truth), so editors validate and complete the same rules `ferry validate` applies.
 */
export function jsonSchemas(): Record<string, object> {
  const gen = (schema: z.ZodType, id: string, title: string) => ({
    ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }),
    $id: `${SCHEMA_BASE}/${id}`,
    title,
  });
  // Pulumi owns the stack file's top level; ferry's part is each `ferry:<key>` under config.
  const target = z.toJSONSchema(StackTarget, { io: "input", unrepresentable: "any" }) as { properties: Record<string, object>; $defs?: object };
  const stack = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `${SCHEMA_BASE}/stack.schema.json`,
    title: "ferry stack target (stacks/Pulumi.<env>.yaml)",
    type: "object",
    properties: {
      secretsprovider: { type: "string" },
      encryptedkey: { type: "string" },
      encryptionsalt: { type: "string" },
      environment: {},
      config: {
        type: "object",
        properties: Object.fromEntries(Object.entries(target.properties).map(([k, v]) => [`ferry:${k}`, v])),
        additionalProperties: true,
      },
    },
    required: ["config"],
    additionalProperties: false,
    $defs: target.$defs,
  };
  return {
    "estate.schema.json": gen(EstateFile, "estate.schema.json", "ferry Estate (estate/*.yaml)"),
    "runbook.schema.json": gen(Runbook, "runbook.schema.json", "ferry Runbook (runbooks/*.yaml)"),
    "stack.schema.json": stack,
    "plan.schema.json": gen(Plan, "plan.schema.json", "ferry Plan (plans/*.json)"),
    "approval.schema.json": gen(Approval, "approval.schema.json", "ferry Approval (approvals/*.yaml)"),
  };
}
