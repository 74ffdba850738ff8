/** The mistakes a new user makes first each get one clear message at their line, not a cascade. */
import { describe, expect, it } from "vitest";
import { formatDiagnostic } from "../../src/model/diagnostics.js";
import { loadProject } from "../../src/model/load.js";
import { projectDir, SMALL_ESTATE } from "../helpers/project-dir.js";

async function errors(files: Record<string, string>): Promise<string[]> {
  const project = await loadProject(projectDir({ ...SMALL_ESTATE, ...files }));
  return project.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic);
}

describe("first-hour mistakes", () => {
  it("a misspelt key is one error that names the key meant, not also a missing field", async () => {
    expect(await errors({ "estate/apps.yaml": SMALL_ESTATE["estate/apps.yaml"].replace("criticality: high", "critcality: high") })).toEqual([
      "estate/apps.yaml:12:5: applications[0].critcality: unknown key `critcality`, did you mean `criticality`? [unknown-key]",
    ]);
  });

  it("a date that does not exist is called that, not a format error", async () => {
    expect(await errors({ "estate/sites.yaml": SMALL_ESTATE["estate/sites.yaml"].replace("firstWave: 2027-01-12", "firstWave: 2027-02-30") })).toEqual([
      'estate/sites.yaml:12:14: calendar.firstWave: is not a real date (that month has no such day) (got "2027-02-30") [invalid-value]',
    ]);
  });

  it("one tab is one error, and references into the unreadable file are not reported as unknown", async () => {
    const apps = SMALL_ESTATE["estate/apps.yaml"].replace("    site: guildhall\n", "\tsite: guildhall\n");
    expect(await errors({ "estate/apps.yaml": apps })).toEqual([
      "estate/apps.yaml:5:1: a tab is used for indentation; YAML indents with spaces only (replace the tab with spaces) [yaml-syntax]",
    ]);
  });
});
