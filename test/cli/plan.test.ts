import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";
import { copyExample } from "../planner/repo-copy.js";
import { checkPlan } from "../planner/check-plan.js";
import { assertValid, loadProject } from "../../src/model/load.js";

describe("ferry plan (end to end)", () => {
  it("plans the example to <dir>/plans/plan.json, byte-identical on a second run, and prints the wave table", async () => {
    const dir = copyExample();
    const first = ferry(["plan", "--dir", dir]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const file = join(dir, "plans", "plan.json");
    const bytes = readFileSync(file, "utf8");
    expect(first.stdout).toMatch(/^planned \d+ applications in \d+ waves/);
    expect(first.stdout).toMatch(/wave {2}date {8}applications {2}effort {2}users {2}warnings/);
    expect(first.stdout).toContain(`plan written to ${file}`);
    expect(ferry(["plan", "--dir", dir]).code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(bytes);
    // The example's plan satisfies every rule, by the independent checker.
    const project = await loadProject(dir);
    assertValid(project);
    expect(checkPlan(project.estate, JSON.parse(bytes))).toEqual([]);
  });

  it("prints the plan on stdout with --json (summary on stderr) and writes no file unless --out is given", () => {
    const dir = copyExample();
    const r = ferry(["plan", "--dir", dir, "--json"]);
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan).toMatchObject({ apiVersion: "ferry/v1", kind: "Plan", hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    expect(r.stderr).toContain("hash:");
    expect(existsSync(join(dir, "plans"))).toBe(false);
    const out = join(dir, "q1.json");
    expect(ferry(["plan", "--dir", dir, "--json", "--out", out]).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(r.stdout);
  });

  it("exits 2 on an invalid estate, naming file:line:col, and writes nothing", () => {
    const dir = copyExample();
    const file = join(dir, "estate", "calendar.yaml");
    const text = readFileSync(file, "utf8").replace("cadenceDays: 14", "cadenceDays: fortnightly");
    writeFileSync(file, text);
    const r = ferry(["plan", "--dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^estate\/calendar\.yaml:\d+:\d+: /m);
    expect(existsSync(join(dir, "plans"))).toBe(false);
  });

  it("exits 2 for a --stack the project does not have, listing the ones it has", () => {
    const r = ferry(["plan", "--dir", copyExample(), "--stack", "staging", "--json"]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toContain("there is no stack staging");
    expect(JSON.parse(r.stdout).error.hint).toBe("Known stacks: dev, prod.");
  });
});
