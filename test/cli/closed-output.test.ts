/**
 * A pipeline reader that stops reading (`ferry run --json | head -1`) must not end the wave: the
 * run goes on, every step finishes, the journal records it, and ferry exits with the run's code.
 */
import { describe, expect, it } from "vitest";
import { ferryIn, ledger, planAndApprove, runProject, startFerry } from "./run-project.js";
import { join } from "node:path";

describe("a closed stdout", () => {
  it("does not stop or crash a live run", async () => {
    const apps = ["a1", "a2", "a3", "a4"].map((id) => ({ id, runbook: "slow" }));
    const dir = runProject(apps, {
      slow: `steps:
  - id: work
    local: { run: "sleep 0.3; echo run:{{ app.id }} >> ledger" }
`,
    });
    const plan = await planAndApprove(dir);
    const run = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--json", "--concurrency", "1"]);
    // Read one line, then close the pipe as `head -1` does.
    await new Promise<void>((resolve) => run.child.stdout!.once("data", () => resolve()));
    run.child.stdout!.destroy();
    const result = await run.done;
    expect(result.stderr).not.toMatch(/EPIPE|internal error/);
    expect(result.code).toBe(0);
    expect(ledger(join(dir, "ledger")).sort()).toEqual(["run:a1", "run:a2", "run:a3", "run:a4"]);
    const status = await ferryIn(dir, ["status", "--json"]);
    expect((JSON.parse(status.stdout) as { runs: { status: string }[] }).runs.map((r) => r.status)).toEqual(["succeeded"]);
  });
});
