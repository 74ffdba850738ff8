/** Mistakes on the command line exit 2, say what was wrong, and point at what was meant. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferry } from "../helpers/cli.js";

describe("usage errors", () => {
  it("exit 2 for an option of another command, naming the commands that take it", () => {
    const r = ferry(["plan", "--wave", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--wave'");
    expect(r.stderr).toMatch(/--wave is an option of: .*ferry approve, ferry run/);
  });

  it("exit 2 for a mistyped command, suggesting the right one", () => {
    const r = ferry(["vaildate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Did you mean validate?");
  });

  it("exit 2 for a missing required option or too many arguments", () => {
    expect(ferry(["approve", "--plan", "p.json", "--wave", "1", "--ref", "CHG1"]).code).toBe(2);
    expect(ferry(["status", "a", "b"]).code).toBe(2);
  });

  it("exit 0 for --help and --version", () => {
    expect(ferry(["--help"]).code).toBe(0);
    expect(ferry(["run", "--help"]).code).toBe(0);
    expect(ferry(["--version"]).code).toBe(0);
  });
});

describe("the project folder", () => {
  it("refuses a folder without estate/ instead of validating nothing", () => {
    const empty = mkdtempSync(join(tmpdir(), "ferry-empty-"));
    for (const args of [["validate"], ["plan"], ["network"]]) {
      const r = ferry([...args, "--dir", empty]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(`no estate/ in ${empty}: is this a ferry project?`);
      expect(r.stdout).not.toContain("valid");
    }
  });

  it("names a path it cannot write as the user's mistake, not an internal error", () => {
    const r = ferry(["plan", "--out", "/proc/ferry-plan.json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ferry: cannot write \/proc\/ferry-plan\.json: /);
    expect(r.stderr).not.toContain("internal error");
    expect(r.stderr).not.toContain(".tmp");
  });

  it("names a missing --dir without a made-up position", () => {
    const r = ferry(["validate", "--dir", "/nonexistent/ferry"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("ferry: project directory /nonexistent/ferry does not exist\n  Pass --dir with the folder that holds estate/, runbooks/ and stacks/.\n");
  });
});
