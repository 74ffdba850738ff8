/**
 * Issue 13, items 5 and 6, as an operator types them: `ferry run --on-failure pause`, then
 * `ferry resume RUN --retry-failed` or `ferry rollback RUN --app A`; and `ferry rollback RUN`
 * on a run that failed, was interrupted by Ctrl-C or was killed mid-step (its step in flight
 * settled by its check first). The built CLI in a child process; every step appends to a ledger
 * file, so what ran and what was undone is read from disk.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferryIn, ledger, planAndApprove, runIdOf, runProject, startFerry, untilLedger } from "./run-project.js";

const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

/** A step that fails until the operator creates `fixed-<app>`. */
const fixable = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; test -f fixed-{{ app.id }}" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

/** A long change (held until `go-<app>` exists) whose check probe says whether it took effect. */
const holding = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; while [ ! -f go-{{ app.id }} ]; do sleep 0.05; done" }
    check: { local: { run: "grep -q '^run:${id}:{{ app.id }}$' ledger" } }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

let dir: string;
let plan: string;

beforeAll(async () => {
  const apps = ["retry", "undo-one", "bad-flag", "failed-ok", "failed-bad", "ctrl-c", "killed"];
  dir = runProject(
    apps.map((id) => ({ id, runbook: id.startsWith("failed") ? id : ["ctrl-c", "killed"].includes(id) ? "hold" : "fixable" })),
    {
      fixable: `steps:\n${marker("s1")}${fixable("s2")}${marker("s3")}`,
      "failed-ok": `steps:\n${marker("s1")}`,
      "failed-bad": `steps:\n${marker("s1")}  - id: s2\n    local: { run: "exit 1" }\n`,
      hold: `steps:\n${marker("s0")}${holding("s1")}${marker("s2")}`,
    },
  );
  plan = await planAndApprove(dir);
}, 60_000);

const run = (apps: string, ...more: string[]) => ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", apps, ...more]);
const marks = (app: string) => ledger(join(dir, "ledger")).filter((l) => l.endsWith(`:${app}`));
type Status = { status: string; applications: { id: string; status: string; reason?: string; steps: { id: string; status: string; via?: string }[] }[] };
const statusOf = async (runId: string) => JSON.parse((await ferryIn(dir, ["status", runId, "--json"])).stdout) as Status;

describe("ferry run --on-failure pause", () => {
  it("stops a failed application where it failed (exit 4, paused); resume --retry-failed runs the failed step again once fixed", async () => {
    const r = await run("retry", "--on-failure", "pause");
    expect(r.code, r.stderr + r.stdout).toBe(4);
    const id = runIdOf(r);
    expect(r.stdout).toMatch(/retry: PAUSED where it failed, nothing undone\n {2}why: step s2 failed/);
    expect(r.stdout).toContain(`ferry resume ${id} --retry-failed`);
    expect(r.stdout).toContain(`ferry rollback ${id} --app retry`);
    expect(marks("retry")).toEqual(["run:s1:retry", "run:s2:retry"]);
    const s = await statusOf(id);
    expect(s.status).toBe("paused");
    expect(s.applications[0]!.status).toBe("paused");
    const text = (await ferryIn(dir, ["status", id])).stdout;
    expect(text).toMatch(new RegExp(`run ${id}: paused \\(exit 4\\)`));
    expect(text).toContain("on failure: pause");
    expect(text).toMatch(/next: fix what made retry fail .*ferry resume \S+ --retry-failed/);

    // A plain resume would change nothing: it says what to type.
    const plain = await ferryIn(dir, ["resume", id]);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toMatch(/is paused: retry stopped where it failed/);
    expect(plain.stderr).toContain(`ferry resume ${id} --retry-failed`);

    // Paused is unfinished: a new run of the application is refused, pointing back at this one.
    const rerun = await run("retry");
    expect(rerun.code).toBe(2);
    expect(rerun.stderr).toContain(`retry: paused in run ${id} (not finished)`);

    writeFileSync(join(dir, "fixed-retry"), "");
    const again = await ferryIn(dir, ["resume", id, "--retry-failed"]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(marks("retry")).toEqual(["run:s1:retry", "run:s2:retry", "run:s2:retry", "run:s3:retry"]);
    expect((await statusOf(id)).status).toBe("succeeded");

    const none = await ferryIn(dir, ["resume", id, "--retry-failed", "--json"]);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toMatchObject({ ok: false, error: { code: "run-finished" } });
  });

  it("ferry rollback RUN --app A undoes the paused application's completed steps, latest first, and not the failed one", async () => {
    const r = await run("undo-one", "--on-failure", "pause");
    expect(r.code, r.stderr + r.stdout).toBe(4);
    const id = runIdOf(r);
    const rb = await ferryIn(dir, ["rollback", id, "--app", "undo-one"]);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(marks("undo-one")).toEqual(["run:s1:undo-one", "run:s2:undo-one", "undo:s1:undo-one"]);
    const s = await statusOf(id);
    expect(s.status).toBe("rolled-back");
    expect(s.applications[0]!.status).toBe("rolled-back");
    // And --retry-failed has nothing left to run.
    const retry = await ferryIn(dir, ["resume", id, "--retry-failed"]);
    expect(retry.code).toBe(2);
  });

  it("refuses a policy it does not know (exit 2), before anything runs", async () => {
    const r = await run("bad-flag", "--on-failure", "retry");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--on-failure must be rollback or pause, got "retry"/);
    expect(marks("bad-flag")).toEqual([]);
  });
});

describe("ferry rollback RUN, whatever state the run is in", () => {
  it("a failed run: undoes the application that succeeded (the failed one was already rolled back)", async () => {
    const r = await run("failed-ok,failed-bad", "--concurrency", "1", "--max-failures", "unlimited");
    expect(r.code, r.stderr + r.stdout).toBe(1);
    const id = runIdOf(r);
    const rb = await ferryIn(dir, ["rollback", id]);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(marks("failed-ok")).toEqual(["run:s1:failed-ok", "undo:s1:failed-ok"]);
    expect(marks("failed-bad")).toEqual(["run:s1:failed-bad", "undo:s1:failed-bad"]);
    expect((await statusOf(id)).applications.map((a) => a.status)).toEqual(["rolled-back", "rolled-back"]);
  });

  it("a run stopped by Ctrl-C: the new ferry run's advice (ferry rollback RUN) works", async () => {
    const f = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "ctrl-c"]);
    await untilLedger(join(dir, "ledger"), "run:s1:ctrl-c");
    f.child.kill("SIGINT");
    await f.waitFor(/SIGINT: no new work starts/);
    writeFileSync(join(dir, "go-ctrl-c"), "");
    const stopped = await f.done;
    expect(stopped.code, stopped.stderr + stopped.stdout).toBe(130);
    const id = runIdOf(stopped);

    const again = await run("ctrl-c");
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`ferry rollback ${id}`);

    const rb = await ferryIn(dir, ["rollback", id]);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(rb.stdout).not.toMatch(/has not finished/);
    expect(marks("ctrl-c")).toEqual(["run:s0:ctrl-c", "run:s1:ctrl-c", "undo:s1:ctrl-c", "undo:s0:ctrl-c"]);
    expect((await statusOf(id)).status).toBe("rolled-back");
  });

  it("a ferry killed mid-step: the step left running is settled first (its process waited for, its check asked), then undone with the rest", async () => {
    const f = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "killed"]);
    const id = runIdOf(await f.waitFor(/run \d{8}-\d{6}-[0-9a-f]{6}/));
    await untilLedger(join(dir, "ledger"), "run:s1:killed");
    f.child.kill("SIGKILL");
    await f.done;
    // The orphaned command is still running; it ends once its condition is met, as rollback waits for it.
    const rolling = ferryIn(dir, ["rollback", id]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(marks("killed")).toEqual(["run:s0:killed", "run:s1:killed"]);
    writeFileSync(join(dir, "go-killed"), "");
    const rb = await rolling;
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(marks("killed")).toEqual(["run:s0:killed", "run:s1:killed", "undo:s1:killed", "undo:s0:killed"]);
    const s = await statusOf(id);
    expect(s.status).toBe("rolled-back");
    expect(s.applications[0]!.steps.find((x) => x.id === "s1")).toMatchObject({ status: "rolled-back", via: "check" });
  });
});
