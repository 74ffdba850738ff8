/**
 * The run lifecycle called as a library, with no terminal and no child process: the policies
 * `ferry run`, `resume` and `rollback` enforce, checked where they live (src/runs/). Steps are
 * real `local` commands appending to a ledger file, so "ran once" is read from disk.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { FerryError } from "../../src/model/codes.js";
import { InputError } from "../../src/model/diagnostics.js";
import { computePlanHash, planWaves, serializePlan } from "../../src/planner/index.js";
import { RunControl } from "../../src/engine/run.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { resumeRunById, rollbackRunById } from "../../src/runs/continue.js";
import { readRun } from "../../src/runs/history.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { runProject } from "../cli/run-project.js";
import { REPO_ROOT } from "../planner/repo-copy.js";

const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

/** A step that writes its marker, then holds until `go-<app>` exists: a long change. */
const holding = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; while [ ! -f go-{{ app.id }} ]; do sleep 0.05; done" }
`;

let dir: string;
let ctx: RunsContext;
let plan: string;

const ledger = () => (existsSync(join(dir, "ledger")) ? readFileSync(join(dir, "ledger"), "utf8").split("\n").filter(Boolean) : []);

/** The FerryError (or InputError) a promise rejects with, for its code. */
async function refusal(p: Promise<unknown>): Promise<FerryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FerryError);
  return err as FerryError;
}

async function writePlan(stack?: string): Promise<string> {
  const file = join(dir, "plans", "p.json");
  mkdirSync(join(dir, "plans"), { recursive: true });
  writeFileSync(file, serializePlan(planWaves(await loadValidProjectQuietly(dir), { stack })));
  return file;
}

/** Edit the plan file as an attacker would: change it, then recompute its hash. */
function editPlan(edit: (plan: Record<string, unknown>) => void): void {
  const raw = JSON.parse(readFileSync(plan, "utf8")) as Record<string, unknown>;
  edit(raw);
  delete raw.hash;
  raw.hash = computePlanHash(raw);
  writeFileSync(plan, JSON.stringify(raw, null, 2));
}

beforeEach(async () => {
  dir = runProject(
    [
      { id: "billing", runbook: "plain" },
      { id: "payroll", runbook: "plain" },
      { id: "crm", runbook: "hold" },
    ],
    {
      plain: `steps:\n${marker("stop")}${marker("move")}`,
      hold: `steps:\n${marker("stop")}${holding("move")}`,
    },
  );
  ctx = { dir, stateDir: join(dir, ".ferry"), operator: "operator", env: {} };
  plan = await writePlan();
});

const approve = () => approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });

describe("preparing a wave", () => {
  it("refuses a wave without a change-board approval where change control requires one", async () => {
    expect((await refusal(prepareWave(ctx, { plan, wave: 1 }))).code).toBe("approval-missing");
  });

  it("refuses a plan edited after planning, even with an approval on file", async () => {
    await approve();
    const text = readFileSync(plan, "utf8");
    writeFileSync(plan, text.replace('"payroll"', '"payroll-x"'));
    expect((await refusal(prepareWave(ctx, { plan, wave: 1 }))).code).toBe("plan-tampered");
  });

  it("refuses a plan whose runbook changed since planning, naming it", async () => {
    await approve();
    writeFileSync(join(dir, "runbooks", "plain.yaml"), readFileSync(join(dir, "runbooks", "plain.yaml"), "utf8") + "# edited\n");
    const err = await refusal(prepareWave(ctx, { plan, wave: 1 }));
    expect(err.code).toBe("plan-drift");
    expect(err.message).toContain("runbook plain");
  });

  it("reports a malformed approval file as approval-invalid at its line, not as a crash", async () => {
    const { file } = await approve();
    writeFileSync(file, readFileSync(file, "utf8") + "wave: 1\n");
    const err = await refusal(prepareWave(ctx, { plan, wave: 1 }));
    expect(err).toBeInstanceOf(InputError);
    const [d] = (err as InputError).diagnostics;
    expect(d).toMatchObject({ code: "approval-invalid", line: expect.any(Number) });
    expect(d!.line).toBeGreaterThan(1);
  });

  it("decides the approval requirement from the estate and every stack, not from the plan's target stack", async () => {
    dir = runProject([{ id: "billing", runbook: "plain" }], { plain: `steps:\n${marker("move")}` }, { requireApproval: false });
    mkdirSync(join(dir, "stacks"));
    for (const env of ["dev", "prod"]) {
      // The bundled stacks, less what names the bundled estate's sites.
      const stack = parseYaml(readFileSync(join(REPO_ROOT, "stacks", `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, { sites?: unknown }> };
      delete stack.config["ferry:connectivity"];
      delete stack.config["ferry:desktops"];
      delete stack.config["ferry:network"]!.sites;
      delete (stack.config["ferry:network"] as { dataCentre?: unknown }).dataCentre;
      writeFileSync(join(dir, "stacks", `Pulumi.${env}.yaml`), stringifyYaml(stack));
    }
    ctx = { ...ctx, dir, stateDir: join(dir, ".ferry") };
    plan = await writePlan("dev");
    // dev does not require approval, prod does: the same runbooks touch the same hosts.
    expect((await refusal(prepareWave(ctx, { plan, wave: 1 }))).code).toBe("approval-missing");
  });

  it("refuses a plan edited with its hash recomputed, naming the first difference", async () => {
    editPlan((p) => {
      const [w] = p.waves as { applications: { id: string }[] }[];
      w!.applications.reverse();
    });
    for (const err of [await refusal(approve()), await refusal(prepareWave(ctx, { plan, wave: 1 }))]) {
      expect(err.code).toBe("plan-not-reproducible");
      expect(err.message).toMatch(/at waves\.0\.applications\.0\.\w+ it has "[^"]+", planning gives "[^"]+"/);
    }
  });

  it("refuses a plan whose target stack was renamed to one that does not exist", async () => {
    editPlan((p) => (p.targetStack = "nope"));
    const err = await refusal(approve());
    expect(err.code).toBe("plan-not-reproducible");
    expect(err.message).toContain('at targetStack it has "nope"');
  });

  it("refuses --only naming an application that is not in the wave", async () => {
    await approve();
    expect((await refusal(prepareWave(ctx, { plan, wave: 1, only: ["nope"] }))).code).toBe("app-not-in-wave");
  });
});

describe("running, resuming and rolling back", () => {
  beforeEach(approve);

  it("refuses to start applications an earlier run of the wave still holds", async () => {
    const first = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["billing"] }));
    expect(first.exitCode).toBe(0);
    const err = await refusal(startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["billing", "payroll"] })));
    expect(err.code).toBe("earlier-run");
    expect(err.hint).toContain("--only payroll");
    expect(ledger().filter((l) => l.endsWith(":billing"))).toEqual(["run:stop:billing", "run:move:billing"]);
  });

  it("settles a step left in doubt by an abort, and the resumed run never repeats it", async () => {
    const control = new RunControl();
    const running = startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["crm"] }), { control });
    while (!ledger().includes("run:move:crm")) await new Promise((r) => setTimeout(r, 20));
    control.interrupt("SIGINT");
    control.interrupt("SIGINT");
    const stopped = await running;
    expect(stopped.state.apps.get("crm")!.steps.get("move")!.status).toBe("uncertain");

    writeFileSync(join(dir, "go-crm"), "");
    const resumed = await resumeRunById(ctx, stopped.runId, { settle: { step: "move", outcome: "done" } });
    expect(resumed.exitCode).toBe(0);
    expect(resumed.state.apps.get("crm")!.status).toBe("succeeded");
    expect(ledger()).toEqual(["run:stop:crm", "run:move:crm"]);
  });

  it("refuses to settle a step that is not in doubt", async () => {
    const done = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["billing"] }));
    const err = await refusal(resumeRunById(ctx, done.runId, { settle: { step: "move", outcome: "done", app: "billing" } }));
    expect(err.code).toBe("not-uncertain");
  });

  it("rolls back a finished run, latest application first, each through its steps in reverse", async () => {
    const done = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["billing", "payroll"] }), { limits: { concurrency: 1 } });
    expect(done.exitCode).toBe(0);
    const undone = await rollbackRunById(ctx, done.runId);
    expect(undone.exitCode).toBe(0);
    const [first, second] = [...done.state.apps.values()].sort((a, b) => (a.finishedAt ?? 0) - (b.finishedAt ?? 0)).map((a) => a.id);
    expect(ledger().slice(4)).toEqual([`undo:move:${second}`, `undo:stop:${second}`, `undo:move:${first}`, `undo:stop:${first}`]);
    expect((await readRun(ctx.stateDir, done.runId)).status).toBe("rolled-back");
  });

  it("refuses to roll back a run that has not finished", async () => {
    const control = new RunControl();
    const running = startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["crm"] }), { control });
    while (!ledger().includes("run:move:crm")) await new Promise((r) => setTimeout(r, 20));
    control.interrupt("SIGINT");
    writeFileSync(join(dir, "go-crm"), "");
    const stopped = await running;
    expect(stopped.exitCode).toBe(130);
    expect((await refusal(rollbackRunById(ctx, stopped.runId))).code).toBe("run-not-finished");
  });
});
