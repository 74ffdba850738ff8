/** `ferry status` tells the truth about a run no process works on, and always says what to type next. */
import { describe, expect, it } from "vitest";
import { ferryIn, planAndApprove, runIdOf, runProject, startFerry } from "./run-project.js";

describe("ferry status", () => {
  it("shows a run whose process died as interrupted, with the command that continues it", async () => {
    const dir = runProject([{ id: "crm", runbook: "hold" }], {
      hold: `steps:
  - id: long
    idempotent: true
    local: { run: "echo started >> ledger; sleep 30" }
`,
    });
    const plan = await planAndApprove(dir);
    const run = startFerry(dir, ["run", "--plan", plan, "--wave", "1"]);
    const id = runIdOf(await run.waitFor(/crm: long started/));
    run.child.kill("SIGKILL");
    await run.done;
    const list = await ferryIn(dir, ["status"]);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+interrupted`));
    const one = await ferryIn(dir, ["status", id]);
    expect(one.stdout).toContain(`run ${id}: interrupted`);
    expect(one.stdout).toContain(`next: \`ferry resume ${id}`);
    expect((JSON.parse((await ferryIn(dir, ["status", id, "--json"])).stdout) as { live: boolean }).live).toBe(false);
  }, 60_000);

  it("stops asking a person to finish a rollback once they have recorded it as done", async () => {
    const dir = runProject([{ id: "crm", runbook: "stuck" }], {
      stuck: `steps:
  - id: s1
    local: { run: "true" }
    rollback: { local: { run: "exit 1" } }
  - id: s2
    local: { run: "exit 1" }
`,
    });
    const plan = await planAndApprove(dir);
    const run = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]);
    expect(run.code).toBe(3);
    const id = runIdOf(run);
    expect((await ferryIn(dir, ["status", id])).stdout).toContain("finish by hand: s1");
    const settled = await ferryIn(dir, ["resume", id, "--app", "crm", "--step-done", "s1"]);
    expect(settled.code, settled.stderr + settled.stdout).toBe(1); // rolled back: the run failed, nothing is left in place
    const after = (await ferryIn(dir, ["status", id])).stdout;
    expect(after).not.toContain("finish by hand");
    expect(after).toMatch(/crm\s+rolled-back/);
  });

  it("says what to do after a finished run", async () => {
    const dir = runProject([{ id: "crm", runbook: "ok" }], { ok: `steps:\n  - id: s\n    local: { run: "true" }\n` });
    const plan = await planAndApprove(dir);
    const id = runIdOf(await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]));
    const one = await ferryIn(dir, ["status", id]);
    expect(one.stdout).toContain(`next: nothing; to undo it: \`ferry rollback ${id}`);
  });
});
