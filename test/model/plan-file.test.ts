import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UsageError } from "../../src/model/diagnostics.js";
import { parsePlan, readPlanFile } from "../../src/model/plan-file.js";
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
    const edited = structuredClone(plan) as unknown as { waves: { applications: { group: unknown }[] }[] };
    edited.waves[0]!.applications[0]!.group = 7;
    const text = JSON.stringify(edited, null, 2);
    const line = text.split("\n").findIndex((l) => l.includes('"group": 7')) + 1;
    const err = refusal(text);
    expect(err.code).toBe("plan-invalid");
    expect(err.message).toMatch(new RegExp(`^plans/p\\.json:${line}:20: not a ferry plan: waves\\.0\\.applications\\.0\\.group: `));
  });

  it("names only the field's path in a plan too big to re-read for positions", async () => {
    const { plan } = await examplePack();
    const edited = structuredClone(plan) as unknown as { waves: { applications: { group: unknown }[] }[] };
    edited.waves[0]!.applications[0]!.group = 7;
    const text = `${JSON.stringify(edited, null, 2)}\n${" ".repeat(3 * 1024 * 1024)}`;
    expect(refusal(text).message).toMatch(/^plans\/p\.json: not a ferry plan: waves\.0\.applications\.0\.group: /);
  });
});

describe("readPlanFile", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ferry-plan-file-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a missing file as file-not-found, naming it and saying how to make one", async () => {
    const file = join(dir, "nope.json");
    const err = await readPlanFile(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(err).toMatchObject({ code: "file-not-found", message: `plan file ${file} does not exist`, hint: "Make one with `ferry plan --out <file>`." });
  });

  it("reads a plan exactly as written: the raw object is what the hash covers", async () => {
    const { plan } = await examplePack();
    const file = join(dir, "plan.json");
    await writeFile(file, JSON.stringify(plan, null, 2));
    const loaded = await readPlanFile(file);
    expect(loaded.raw).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(loaded.plan.hash).toBe(plan.hash);
  });

  it("names the file as given in a refusal of its content", async () => {
    const file = join(dir, "broken.json");
    await writeFile(file, '{\n  "kind": "Plan",,\n}\n');
    const err = await readPlanFile(file).then(
      () => undefined,
      (e: unknown) => e as UsageError,
    );
    expect(err?.code).toBe("plan-invalid");
    const prefix = `${file}:2:18: not valid JSON: `;
    expect(err?.message.slice(0, prefix.length)).toBe(prefix);
  });
});
