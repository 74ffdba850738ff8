import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

describe("ferry validate (end to end)", () => {
  it("validates the bundled example estate clean, with the overlap warnings it is meant to show", () => {
    const r = ferry(["validate", "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.errors).toEqual([]);
    expect(r.code).toBe(0);
    expect(out.ok).toBe(true);
    expect(out.counts.applications).toBeGreaterThanOrEqual(40);
    expect(out.warnings.some((w: { code: string }) => w.code === "network-overlap")).toBe(true);
  });

  it("prints every error as path:line:col relative to --dir and exits 2, with no stack trace", () => {
    const dir = projectDir({ ...SMALL_ESTATE, "estate/apps.yaml": SMALL_ESTATE["estate/apps.yaml"].replace("criticality: high", "criticality: urgent").replace("site: guildhall", "site: nowhere") });
    const r = ferry(["validate", "--dir", dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("estate/apps.yaml:5:11: unknown site `nowhere` [unknown-reference]");
    expect(r.stderr).toContain('estate/apps.yaml:12:18: applications[0].criticality: must be one of critical, high, medium, low, got "urgent" [wrong-type]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toContain("2 errors");
  });

  it("gives pipelines JSON with ok, errors, warnings and counts", () => {
    const dir = projectDir({ ...SMALL_ESTATE, "estate/apps.yaml": SMALL_ESTATE["estate/apps.yaml"].replace("os: linux", "os: solaris") });
    const r = ferry(["validate", "--dir", dir, "--json"]);
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ ok: false, errors: [{ file: "estate/apps.yaml", line: 7, column: 9, code: "wrong-type" }], warnings: [] });
    // The invalid host is not counted, and the application's reference to it is not reported twice.
    expect(out.counts).toMatchObject({ applications: 1, hosts: 0, sites: 2 });
  });

  it("says clearly when the directory does not exist", () => {
    const r = ferry(["validate", "--dir", "/nonexistent/ferry"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("project directory /nonexistent/ferry does not exist");
  });

  it("suggests the right command for a typo", () => {
    const r = ferry(["valdate"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("validate");
  });
});

describe("ferry schema and ferry example (end to end)", () => {
  it("writes a JSON Schema per document kind", () => {
    const out = mkdtempSync(join(tmpdir(), "ferry-schema-"));
    expect(ferry(["schema", "--out", out]).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["approval.schema.json", "estate.schema.json", "plan.schema.json", "runbook.schema.json", "stack.schema.json"]);
    const estate = JSON.parse(readFileSync(join(out, "estate.schema.json"), "utf8"));
    expect(estate.properties.applications).toBeDefined();
    expect(estate.additionalProperties).toBe(false);
  });

  it("writes a valid synthetic estate, byte-identical for the same seed", () => {
    const a = mkdtempSync(join(tmpdir(), "ferry-ex-"));
    const b = mkdtempSync(join(tmpdir(), "ferry-ex-"));
    expect(ferry(["example", "--apps", "500", "--seed", "7", "--out", a, "--force"]).code).toBe(0);
    expect(ferry(["example", "--apps", "500", "--seed", "7", "--out", b, "--force"]).code).toBe(0);
    for (const f of readdirSync(join(a, "estate"))) expect(readFileSync(join(a, "estate", f), "utf8")).toBe(readFileSync(join(b, "estate", f), "utf8"));
    const r = ferry(["validate", "--dir", a, "--json"]);
    const out = JSON.parse(r.stdout);
    expect(out.errors).toEqual([]);
    expect(out.counts.applications).toBe(500);
    expect(out.counts.runbooks).toBeGreaterThanOrEqual(7);
    const links = out.counts.dependencies.together + out.counts.dependencies.ordered + out.counts.dependencies.recorded;
    expect(links / 500).toBeGreaterThan(2);
  });

  it("refuses a bad --apps with a usage error", () => {
    const r = ferry(["example", "--apps", "zero", "--out", "/tmp/x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--apps must be a whole number");
  });
});

describe("ferry example --force", () => {
  it("replaces an earlier estate instead of merging into it", () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-ex-"));
    expect(ferry(["example", "--apps", "50", "--out", dir]).code).toBe(0);
    writeFileSync(join(dir, "estate", "left-over.yaml"), "apiVersion: ferry/v1\nkind: Estate\n");
    expect(ferry(["example", "--apps", "20", "--out", dir, "--force"]).code).toBe(0);
    expect(readdirSync(join(dir, "estate"))).not.toContain("left-over.yaml");
    expect(JSON.parse(ferry(["validate", "--dir", dir, "--json"]).stdout).counts.applications).toBe(20);
  });
});
