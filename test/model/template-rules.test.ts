/**
 * `ferry validate` applies the template rules `ferry run` applies: what validate accepts, the run
 * can render, and what the run refuses, validate refuses first, with its position.
 */
import { describe, expect, it } from "vitest";
import { loadProject } from "../../src/model/load.js";
import { formatDiagnostic } from "../../src/model/diagnostics.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

async function templateFindings(template: string): Promise<string[]> {
  const dir = projectDir({
    ...SMALL_ESTATE,
    "runbooks/t.yaml": `apiVersion: ferry/v1
kind: Runbook
name: t
requires: { env: [DNS_SERVER] }
inputs:
  target: { type: host, default: "{{ app.hosts.0.id }}" }
steps:
  - id: s
    local: { run: "echo ${template}" }
`,
  });
  const project = await loadProject(dir);
  return project.diagnostics.filter((d) => d.file === "runbooks/t.yaml").map(formatDiagnostic);
}

describe("template rules shared by validate and run", () => {
  for (const bad of ["{{ __proto__ }}", "{{ constructor.constructor }}", "{{ app.constructor.name }}", "{{ app.toString }}", "{{ target.hasOwnProperty }}", "{{ inputs.__proto__ }}"]) {
    it(`refuses ${bad}: it reads a prototype, not the estate`, async () => {
      const [finding, ...more] = await templateFindings(bad);
      expect(more).toEqual([]);
      expect(finding).toMatch(/^runbooks\/t\.yaml:9:\d+: .*\[template-unresolved\]$/);
      expect(finding).not.toContain("undefined");
    });
  }

  for (const record of ["{{ app }}", "{{ app.site }}", "{{ target }}", "{{ app.hosts.0 }}"]) {
    it(`refuses ${record}: a record is not a value`, async () => {
      const [finding] = await templateFindings(record);
      expect(finding).toContain("is a record, not a value: name one of its fields");
    });
  }

  for (const good of ["{{ app.site.id }}", "{{ app.hosts.0.address }}", "{{ target.ssh.user }}", "{{ app.params.anything }}", "{{ env.DNS_SERVER }}"]) {
    it(`accepts ${good}`, async () => {
      expect(await templateFindings(good)).toEqual([]);
    });
  }

  it("refuses run.* and wave.*, which templates cannot see", async () => {
    expect(await templateFindings("{{ run.id }}")).toEqual([expect.stringContaining("`run` is not something a runbook can see")]);
  });
});

describe("one document per file", () => {
  it("reports a second YAML document at its line instead of ignoring it", async () => {
    const dir = projectDir({ ...SMALL_ESTATE, "estate/extra.yaml": `apiVersion: ferry/v1\nkind: Estate\norganisations: []\n---\nlogLevel: silent\n` });
    const findings = (await loadProject(dir)).diagnostics.map(formatDiagnostic);
    expect(findings).toContain("estate/extra.yaml:4:1: a second YAML document starts here (after `---`); ferry reads one document per file: put it in a file of its own [yaml-syntax]");
  });
});
