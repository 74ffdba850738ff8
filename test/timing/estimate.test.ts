import { describe, expect, it } from "vitest";
import { Runbook } from "../../src/model/runbook.js";
import { parseDuration, formatEstimate } from "../../src/timing/duration.js";
import { DEFAULT_PRECHECK, DEFAULT_STEP, estimateFor } from "../../src/timing/estimate.js";
import { MIN_ACTUALS, actualsKey, rollbackStep } from "../../src/timing/types.js";
import type { StepTiming } from "../../src/timing/types.js";

const MIN = 60_000;

const runbook = Runbook.parse({
  apiVersion: "ferry/v1",
  kind: "Runbook",
  name: "rehost",
  precheck: [{ id: "reach", tcp: { host: "h", port: 22 } }, { id: "space", local: { run: "true" }, estimate: "30s" }],
  steps: [
    { id: "presync", local: { run: "true" }, estimate: { p50: "10m", perGb: "2m" }, rollback: { local: { run: "true" } } },
    { id: "cutover", local: { run: "true" }, estimate: { p50: "20m", p90: "45m" }, rollback: { local: { run: "true" }, estimate: "5m" } },
    { id: "soak", wait: "15m" },
    { id: "dns", local: { run: "true" } },
  ],
  verify: [{ id: "up", http: { url: "http://x" }, within: "5m" }, { id: "fast", http: { url: "http://x" }, within: "30s" }],
});

const timing = (count: number, p50: number, p90: number): StepTiming => ({ count, rehearsals: count, real: 0, p50Ms: p50, p90Ms: p90 });

describe("durations", () => {
  it("parses the forms people write and refuses the rest", () => {
    expect(parseDuration("20m")).toBe(20 * MIN);
    expect(parseDuration("3h")).toBe(180 * MIN);
    expect(parseDuration("1h30m")).toBe(90 * MIN);
    expect(parseDuration("45s")).toBe(45_000);
    for (const bad of ["", "20", "m20", "1.5h", "20 minutes", "-5m"]) expect(parseDuration(bad)).toBeUndefined();
  });
  it("formats for people", () => {
    expect(formatEstimate(90 * MIN)).toBe("1h30m");
    expect(formatEstimate(180 * MIN)).toBe("3h");
    expect(formatEstimate(45_000)).toBe("45s");
    expect(formatEstimate(20 * MIN + 20_000)).toBe("20m");
  });
});

describe("estimateFor", () => {
  it("reads a single duration with P90 at 1.5 times, and an explicit range as written", () => {
    expect(estimateFor({ runbook, step: "space" })).toEqual({ p50Ms: 30_000, p90Ms: 45_000, source: "estimate" });
    expect(estimateFor({ runbook, step: "cutover" })).toEqual({ p50Ms: 20 * MIN, p90Ms: 45 * MIN, source: "estimate" });
  });

  it("scales a per-GB estimate by the application's data", () => {
    // 10m + 40 GB × 2m = 90m; P90 = 15m + 40 × 3m = 135m.
    expect(estimateFor({ runbook, step: "presync", datasetGb: 40 })).toEqual({ p50Ms: 90 * MIN, p90Ms: 135 * MIN, source: "estimate" });
  });

  it("lets the application's own estimate win over everything", () => {
    const actuals = new Map([[actualsKey("rehost", "presync"), timing(9, MIN, MIN)]]);
    expect(estimateFor({ runbook, step: "presync", applicationEstimates: { presync: "3h" }, datasetGb: 40, actuals })).toEqual({ p50Ms: 180 * MIN, p90Ms: 270 * MIN, source: "estimate" });
  });

  it("uses actuals once there are MIN_ACTUALS of them, but not over a data-driven estimate", () => {
    const few = new Map([[actualsKey("rehost", "cutover"), timing(MIN_ACTUALS - 1, 7 * MIN, 9 * MIN)]]);
    expect(estimateFor({ runbook, step: "cutover", actuals: few }).source).toBe("estimate");
    const enough = new Map([
      [actualsKey("rehost", "cutover"), timing(MIN_ACTUALS, 7 * MIN, 9 * MIN)],
      [actualsKey("rehost", "presync"), timing(50, MIN, MIN)],
      [actualsKey("rehost", rollbackStep("cutover")), timing(4, 2 * MIN, 3 * MIN)],
    ]);
    expect(estimateFor({ runbook, step: "cutover", actuals: enough })).toEqual({ p50Ms: 7 * MIN, p90Ms: 9 * MIN, source: "actuals", count: MIN_ACTUALS });
    expect(estimateFor({ runbook, step: "presync", actuals: enough, datasetGb: 1 }).p50Ms).toBe(12 * MIN);
    expect(estimateFor({ runbook, step: "cutover", rollback: true, actuals: enough })).toEqual({ p50Ms: 2 * MIN, p90Ms: 3 * MIN, source: "actuals", count: 4 });
  });

  it("falls back to the documented defaults", () => {
    expect(estimateFor({ runbook, step: "dns" })).toEqual(DEFAULT_STEP);
    expect(estimateFor({ runbook, step: "reach" })).toEqual(DEFAULT_PRECHECK);
    expect(estimateFor({ runbook, step: "up" })).toEqual({ p50Ms: MIN, p90Ms: 5 * MIN, source: "default" });
    expect(estimateFor({ runbook, step: "fast" })).toEqual({ p50Ms: 30_000, p90Ms: 30_000, source: "default" });
    expect(estimateFor({ runbook, step: "soak" })).toEqual({ p50Ms: 15 * MIN, p90Ms: 15 * MIN, source: "estimate" });
  });

  it("times rollbacks: their own estimate, else the step's, nothing for a step without one", () => {
    expect(estimateFor({ runbook, step: "cutover", rollback: true })).toEqual({ p50Ms: 5 * MIN, p90Ms: 7.5 * MIN, source: "estimate" });
    expect(estimateFor({ runbook, step: "presync", rollback: true, datasetGb: 40 })).toEqual({ p50Ms: 90 * MIN, p90Ms: 135 * MIN, source: "default" });
    expect(estimateFor({ runbook, step: "dns", rollback: true })).toEqual({ p50Ms: 0, p90Ms: 0, source: "estimate" });
  });

  it("refuses what the runbook does not have", () => {
    expect(() => estimateFor({ runbook, step: "nope" })).toThrow(/no step/);
    expect(() => estimateFor({ runbook, step: "reach", rollback: true })).toThrow(/no rollback/);
  });
});

describe("estimate schema", () => {
  const base = { apiVersion: "ferry/v1", kind: "Runbook", name: "r" };
  const withEstimate = (estimate: unknown) => Runbook.safeParse({ ...base, steps: [{ id: "a", local: { run: "true" }, estimate }] });
  it("accepts the documented forms and rejects nonsense", () => {
    for (const ok of ["20m", { p50: "20m", p90: "45m" }, { perGb: "2m" }, { p50: "5m", perGb: { p50: "1m", p90: "2m" } }]) expect(withEstimate(ok).success).toBe(true);
    for (const bad of ["20", { p90: "45m" }, { p50: "45m", p90: "20m" }, {}, { p50: "5m", typo: 1 }]) expect(withEstimate(bad).success).toBe(false);
  });
});

describe("an application's own estimates in validation", () => {
  it("names a step its runbook does not have, with the file and line", async () => {
    const { mkdtempSync, mkdirSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { loadProject } = await import("../../src/model/load.js");
    const dir = mkdtempSync(join(tmpdir(), "ferry-estimates-"));
    mkdirSync(join(dir, "estate"));
    mkdirSync(join(dir, "runbooks"));
    writeFileSync(
      join(dir, "runbooks", "copy.yaml"),
      "apiVersion: ferry/v1\nkind: Runbook\nname: copy\nsteps:\n  - id: presync\n    local: { run: \"true\" }\n",
    );
    writeFileSync(
      join(dir, "estate", "apps.yaml"),
      "apiVersion: ferry/v1\nkind: Estate\nsites:\n  - { id: dc, name: DC, kind: datacentre }\napplications:\n  - id: erp\n    name: ERP\n    owner: Finance\n    criticality: high\n    delivery: server\n    disposition: rehost\n    target: dc\n    runbook: copy\n    estimates: { presnyc: 3h }\n",
    );
    const project = await loadProject(dir);
    const d = project.diagnostics.find((x) => x.code === "unknown-reference" && x.message.includes("presnyc"));
    expect(d?.message).toMatch(/^application `erp` estimates `presnyc`, which is no step, precheck or verify gate of runbook `copy`/);
    expect(d?.file).toMatch(/apps\.yaml$/);
    expect(d?.line).toBe(14);
  });
});
