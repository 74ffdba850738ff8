/**
 * The README's "Try it here" walkthrough, run line by line exactly as it is printed: if a
 * command in it stops working, or its output stops matching its comment, this fails.
 */
import { readFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { FERRY, REPO, type CliResult } from "../helpers/cli.js";

/** `ferry args…` in `cwd`, as a user types it (no extra flags), with a hook on its output. */
function ferry(cwd: string, args: string[], onOutput: (text: string, kill: () => void) => void): Promise<CliResult> {
  const child = spawn(process.execPath, [FERRY, ...args], { cwd, env: { ...process.env, NO_COLOR: "1", FERRY_OPERATOR: "operator" }, stdio: ["ignore", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  const kill = () => child.kill("SIGINT");
  child.stdout.on("data", (d: Buffer) => ((out.stdout += d.toString()), onOutput(out.stdout + out.stderr, kill)));
  child.stderr.on("data", (d: Buffer) => ((out.stderr += d.toString()), onOutput(out.stdout + out.stderr, kill)));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code: code ?? -1, ...out })));
}

/** The commands between the walkthrough markers, with their comments. */
function walkthrough(): { args: string[]; comment: string }[] {
  const readme = readFileSync(join(REPO, "README.md"), "utf8");
  const block = /<!-- walkthrough[^>]*-->\s*```sh\n([\s\S]*?)```\s*<!-- \/walkthrough -->/.exec(readme);
  if (!block) throw new Error("README.md has no walkthrough block");
  return block[1]!
    .split("\n")
    .filter((l) => l.trim())
    .map((line) => {
      const [cmd, comment = ""] = line.split(/\s+#\s/);
      // Words as a shell splits them here: double quotes group, nothing else is special.
      const args = [...cmd!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
      return { args, comment };
    });
}

describe("the README walkthrough", () => {
  it("works as printed, from example to rollback", async () => {
    const steps = walkthrough();
    expect(steps.length).toBeGreaterThan(10);
    let cwd = mkdtempSync(join(tmpdir(), "ferry-walkthrough-"));
    let runId = "";
    const seen: string[] = [];
    for (const { args, comment } of steps) {
      if (args[0] === "cd") {
        cwd = join(cwd, args[1]!);
        continue;
      }
      expect(args[0], `a walkthrough line that is not a ferry command: ${args.join(" ")}`).toBe("ferry");
      const ferryArgs = args.slice(1).map((a) => (a === "<run-id>" ? runId : a));
      let pressed = false;
      // "press Ctrl-C while copy-files runs": as a person would, once they see it start.
      const r = await ferry(cwd, ferryArgs, (text, kill) => {
        if (comment.includes("Ctrl-C") && !pressed && text.includes("copy-files started")) {
          pressed = true;
          kill();
        }
      });
      const expected = /exit (\d+)/.exec(comment)?.[1];
      expect(r.code, `${args.join(" ")}\n${r.stderr}\n${r.stdout}`).toBe(expected ? Number(expected) : 0);
      const id = /run (\d{8}-\d{6}-[0-9a-f]{6})/.exec(r.stderr + r.stdout)?.[1];
      if (id && ferryArgs[0] === "run") runId = id;
      seen.push(`${ferryArgs[0]} ${r.code}`);
      if (ferryArgs[0] === "validate") expect(r.stdout).toContain("✓ valid");
      if (ferryArgs[0] === "status") expect(r.stdout).toMatch(/interrupted/);
      if (ferryArgs[0] === "logs") expect(r.stdout).toContain("the new platform refused the switch-over (on purpose)");
    }
    expect(seen).toContain("rollback 0");
  }, 120_000);
});
