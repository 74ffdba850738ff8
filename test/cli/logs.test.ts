/** `ferry logs` shows what a step printed, for one application and step, and follows a live run. */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ferryIn, planAndApprove, runIdOf, runProject, startFerry } from "./run-project.js";

describe("ferry logs", () => {
  it("prints a step's output lines, filtered by application and step", async () => {
    const dir = runProject([{ id: "crm", runbook: "talk" }, { id: "payroll", runbook: "talk" }], {
      talk: `steps:
  - id: migrate
    local: { run: "echo copied 42 files for {{ app.id }}; echo 'warning: slow link' >&2" }
  - id: switch
    local: { run: "echo switched {{ app.id }}" }
`,
    });
    const plan = await planAndApprove(dir);
    const run = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]);
    expect(run.code, run.stderr).toBe(0);
    const id = runIdOf(run);
    const logs = await ferryIn(dir, ["logs", id, "--app", "crm", "--step", "migrate"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toMatch(/crm migrate \| copied 42 files for crm\n/);
    expect(logs.stdout).toMatch(/crm migrate ! warning: slow link\n/);
    expect(logs.stdout).not.toContain("payroll");
    expect(logs.stdout).not.toContain("switched");
    const json = (await ferryIn(dir, ["logs", id, "--json", "--step", "switch"])).stdout.trim().split("\n").map((l) => JSON.parse(l) as { app: string; output?: string; text: string });
    expect(json.filter((e) => e.output === "stdout").map((e) => e.text).sort()).toEqual(["switched crm", "switched payroll"]);
  });

  it("--follow prints a live run's output as it comes and stops when the run does", async () => {
    const dir = runProject([{ id: "crm", runbook: "slow" }], {
      slow: `steps:
  - id: wait-for-go
    local: { run: "echo waiting; while [ ! -f go ]; do sleep 0.05; done; echo done" }
`,
    });
    const plan = await planAndApprove(dir);
    const run = startFerry(dir, ["run", "--plan", plan, "--wave", "1"]);
    const started = await run.waitFor(/run (\d{8}-\d{6}-[0-9a-f]{6})/);
    const id = runIdOf(started);
    const follow = startFerry(dir, ["logs", id, "--follow"]);
    await follow.waitFor(/\| waiting/);
    writeFileSync(join(dir, "go"), "");
    const [followed, ran] = await Promise.all([follow.done, run.done]);
    expect(ran.code).toBe(0);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toMatch(/\| waiting\n[\s\S]*\| done\n/);
  });
});
