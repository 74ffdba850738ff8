/**
 * The run lifecycle called as a library, with no terminal and no child process: the policies
 * `ferry run`, `resume` and `rollback` enforce, checked where they live (src/runs/). Steps are
 * real `local` commands appending to a ledger file, so "ran once" is read from disk.
 *
 * One suite, run against each state backend: the state folder, and a PostgreSQL database on a
 * real server (a fresh, migrated database per test).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { FerryError } from "../../src/model/codes.js";
import { InputError } from "../../src/model/diagnostics.js";
import { computePlanHash, planWaves, serializePlan } from "../../src/planner/index.js";
import { RunControl } from "../../src/engine/run.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly, stateOf, type RunsContext } from "../../src/runs/context.js";
import { resumeRunById, rollbackRunById } from "../../src/runs/continue.js";
import { readRun } from "../../src/runs/history.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { runProject } from "../cli/run-project.js";
import { REPO_ROOT } from "../planner/repo-copy.js";
import { refusal } from "../helpers/refusal.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { closeBackends, migratedDatabase, pgState } from "../state/pg-state.js";

const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

/** A step that writes its marker, then holds until `go-<app>` exists: a long change. */
const holding = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; while [ ! -f go-{{ app.id }} ]; do sleep 0.05; done" }
`;

const pgMissing = postgresMissingReason();
const pgs = pgMissing ? undefined : usePostgres();
const BACKENDS = ["file", ...(pgMissing ? [] : ["postgres"])] as const;

describe.each(BACKENDS)("with state in %s", (backend) => {
  let dir: string;
  let ctx: RunsContext;
  let plan: string;

  const ledger = () => (existsSync(join(dir, "ledger")) ? readFileSync(join(dir, "ledger"), "utf8").split("\n").filter(Boolean) : []);


  async function writePlan(stack?: string): Promise<string> {
    const file = join(dir, "plans", "p.json");
    mkdirSync(join(dir, "plans"), { recursive: true });
    writeFileSync(file, serializePlan(planWaves(await loadValidProjectQuietly(dir), { stack })));
    return file;
  }

  /** The bundled dev and prod stacks, less what names the bundled estate's sites. */
  function writeStacks(requireApproval?: boolean): void {
    mkdirSync(join(dir, "stacks"));
    for (const env of ["dev", "prod"]) {
      const stack = parseYaml(readFileSync(join(REPO_ROOT, "stacks", `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, { sites?: unknown; dataCentre?: unknown } | boolean> };
      delete stack.config["ferry:connectivity"];
      delete stack.config["ferry:desktops"];
      const network = stack.config["ferry:network"] as { sites?: unknown; dataCentre?: unknown };
      delete network.sites;
      delete network.dataCentre;
      if (requireApproval !== undefined) stack.config["ferry:requireApproval"] = requireApproval;
      writeFileSync(join(dir, "stacks", `Pulumi.${env}.yaml`), stringifyYaml(stack));
    }
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
    if (backend === "postgres") ctx.state = await pgState(await migratedDatabase(pgs!.server), ctx.stateDir);
    plan = await writePlan();
  });

  afterEach(closeBackends);

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
      writeStacks();
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

    it("refuses an approval dated in the future", async () => {
      const { file } = await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001", now: () => new Date(Date.now() + 3_600_000) });
      const err = await refusal(prepareWave(ctx, { plan, wave: 1 }));
      expect(err.code).toBe("approval-invalid");
      expect(err.message).toContain("in the future");
      expect(existsSync(file)).toBe(true);
    });

    it("refuses an approval dated before the plan was first made on this machine", async () => {
      await stateOf(ctx).recordPlanMade((JSON.parse(readFileSync(plan, "utf8")) as { hash: string }).hash, new Date("2026-06-01T00:00:00Z"));
      await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001", now: () => new Date("1999-01-01T00:00:00Z") });
      const err = await refusal(prepareWave(ctx, { plan, wave: 1 }));
      expect(err.code).toBe("approval-invalid");
      expect(err.message).toContain("before the plan existed (first made on this machine at 2026-06-01T00:00:00.000Z)");
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

    it("lets exactly one of two plans of the same applications run them, even when started at the same instant", async () => {
      dir = runProject([{ id: "crm", runbook: "hold" }], { hold: `steps:\n${holding("move")}` }, { requireApproval: false });
      writeStacks(false);
      ctx = { ...ctx, dir, stateDir: join(dir, ".ferry") };
      const prodPlan = await writePlan();
      const devPlan = join(dir, "plans", "dev.json");
      writeFileSync(devPlan, serializePlan(planWaves(await loadValidProjectQuietly(dir), { stack: "dev" })));
      expect(JSON.parse(readFileSync(devPlan, "utf8")).hash).not.toBe(JSON.parse(readFileSync(prodPlan, "utf8")).hash);
      const [a, b] = [await prepareWave(ctx, { plan: prodPlan, wave: 1 }), await prepareWave(ctx, { plan: devPlan, wave: 1 })];
      const settled = Promise.allSettled([startWave(ctx, a), startWave(ctx, b)]);
      while (!ledger().includes("run:move:crm")) await new Promise((r) => setTimeout(r, 20));
      writeFileSync(join(dir, "go-crm"), "");
      const results = await settled;
      expect(results.filter((r) => r.status === "fulfilled").map((r) => r.value.exitCode)).toEqual([0]);
      const [refused] = results.filter((r) => r.status === "rejected").map((r) => r.reason as FerryError);
      expect(refused?.code).toBe("earlier-run");
      expect(ledger()).toEqual(["run:move:crm"]);
      // And afterwards, too: the other plan may not run it again while the change is in place.
      expect((await refusal(startWave(ctx, await prepareWave(ctx, { plan: devPlan, wave: 1 })))).code).toBe("earlier-run");
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
      expect((await readRun(stateOf(ctx), done.runId)).status).toBe("rolled-back");
    });

    it("rolls back a run that was interrupted before it finished", async () => {
      const control = new RunControl();
      const running = startWave(ctx, await prepareWave(ctx, { plan, wave: 1, only: ["crm"] }), { control });
      while (!ledger().includes("run:move:crm")) await new Promise((r) => setTimeout(r, 20));
      control.interrupt("SIGINT");
      writeFileSync(join(dir, "go-crm"), "");
      const stopped = await running;
      expect(stopped.exitCode).toBe(130);
      const undone = await rollbackRunById(ctx, stopped.runId);
      expect(undone.exitCode).toBe(0);
      expect(ledger()).toEqual(["run:stop:crm", "run:move:crm", "undo:stop:crm"]);
      expect((await readRun(stateOf(ctx), stopped.runId)).status).toBe("rolled-back");
    });
  });
});
