import { describe, expect, it } from "vitest";
import { UsageError } from "../../src/model/diagnostics.js";
import { parsePlan } from "../../src/planner/verify-plan.js";
import { examplePack } from "../report/example-pack.js";

function refusal(text: string): UsageError {
  try {
    parsePlan(text, "plans/p.json");
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return err as UsageError;
  }
  throw new Error("parsePlan accepted the text");
}

describe("parsePlan names the file, line and column of what is wrong", () => {
  it("points at a JSON syntax error", () => {
    const err = refusal('{\n  "apiVersion": "ferry/v1",\n  "kind": "Plan",,\n}\n');
    expect(err.code).toBe("plan-invalid");
    expect(err.message).toMatch(/^plans\/p\.json:3:18: not valid JSON: /);
    expect(err.message).not.toMatch(/line \d+ column/);
  });

  it("points at the field that breaks the plan's schema, with its path", async () => {
    const { plan } = await examplePack();
    const edited = structuredClone(plan) as unknown as { waves: { applications: { effort: unknown }[] }[] };
    edited.waves[0]!.applications[0]!.effort = "lots";
    const text = JSON.stringify(edited, null, 2);
    const line = text.split("\n").findIndex((l) => l.includes('"effort": "lots"')) + 1;
    const err = refusal(text);
    expect(err.code).toBe("plan-invalid");
    expect(err.message).toMatch(new RegExp(`^plans/p\\.json:${line}:21: not a ferry plan: waves\\.0\\.applications\\.0\\.effort: `));
  });

  it("names only the field's path in a plan too big to re-read for positions", async () => {
    const { plan } = await examplePack();
    const edited = structuredClone(plan) as unknown as { waves: { applications: { effort: unknown }[] }[] };
    edited.waves[0]!.applications[0]!.effort = "lots";
    const text = `${JSON.stringify(edited, null, 2)}\n${" ".repeat(3 * 1024 * 1024)}`;
    expect(refusal(text).message).toMatch(/^plans\/p\.json: not a ferry plan: waves\.0\.applications\.0\.effort: /);
  });
});
