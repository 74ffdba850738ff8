/**
 * A wave runs inside the window the board approved, outside freezes and blackouts, unless the
 * operator declares an emergency, which the journal keeps with who and why.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FerryError } from "../../src/model/codes.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { readRun } from "../../src/runs/history.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { councilTime, windowProblems } from "../../src/runs/window.js";
import { ferryIn, runProject } from "../cli/run-project.js";

/** A project whose wave 1 is 12 January 2027, 19:00–23:30 in London, approval not required. */
async function project(extraEstate = ""): Promise<{ dir: string; ctx: RunsContext; plan: string }> {
  const dir = runProject([{ id: "crm", runbook: "plain" }], { plain: `steps:\n  - id: move\n    local: { run: "echo run >> ledger" }\n` }, {
    requireApproval: false,
    firstWave: "2027-01-12",
    window: { start: "19:00", end: "23:30", timezone: "Europe/London" },
  });
  if (extraEstate) writeFileSync(join(dir, "estate", "extra.yaml"), `apiVersion: ferry/v1\nkind: Estate\n${extraEstate}`);
  const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), operator: "operator", env: {} };
  const plan = join(dir, "p.json");
  writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
  return { dir, ctx, plan };
}

const at = (iso: string) => () => new Date(iso);

describe("the approved window", () => {
  it("refuses a run before its window opens, saying when it opens in the council's time", async () => {
    const { dir, ctx, plan } = await project();
    const err = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }), { now: at("2026-12-04T10:00:00Z") }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FerryError);
    expect((err as FerryError).code).toBe("outside-window");
    expect((err as FerryError).message).toContain("wave 1's window (Tuesday 12 January 2027, 19:00 GMT to 23:30 GMT) has not opened yet");
    expect(existsSync(join(dir, "ledger"))).toBe(false);
  });

  it("runs inside the window", async () => {
    const { ctx, plan } = await project();
    const outcome = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }), { now: at("2027-01-12T19:30:00Z") });
    expect(outcome.exitCode).toBe(0);
  });

  it("runs outside it with --emergency, journalling who, why and what it overrode", async () => {
    const { ctx, plan } = await project();
    const outcome = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }), { now: at("2027-01-13T02:00:00Z"), emergency: "INC0123456: benefits portal down" });
    expect(outcome.exitCode).toBe(0);
    const state = await readRun(ctx.stateDir, outcome.runId);
    expect(state.started.emergency).toEqual({ reason: "INC0123456: benefits portal down", by: "operator", overrode: [expect.stringContaining("has closed")] });
  });

  it("counts change freezes and the applications' blackouts, named events included", () => {
    const wave = { number: 1, window: { start: "2027-01-12T19:00:00+00:00", end: "2027-01-12T23:30:00+00:00" } };
    const calendar = {
      firstWave: "2027-01-12",
      cadenceDays: 14,
      horizonWaves: 10,
      window: { start: "19:00", end: "23:30", timezone: "Europe/London" },
      freezes: [{ from: "2027-01-10", to: "2027-01-14", reason: "year-end close" }],
      capacity: {},
      events: { "council-tax-billing": { from: "2027-01-01", to: "2027-01-31", every: "year" as const, reason: "annual billing" } },
    };
    const apps = [{ app: { id: "revs", blackouts: ["council-tax-billing"] } }] as never;
    const problems = windowProblems(wave, calendar as never, apps, new Date("2027-01-12T20:00:00Z")).map((p) => p.kind);
    expect(problems).toEqual(["freeze", "blackout"]);
  });

  it("is named as the council reads it, in summer time too", () => {
    expect(councilTime(Date.parse("2027-06-08T18:00:00Z"), "Europe/London")).toBe("Tuesday 8 June 2027, 19:00 BST");
  });
});

describe("ferry run outside the window (end to end)", () => {
  it("exits 2 naming the window and --emergency; status shows an emergency run", async () => {
    const { dir, plan } = await project();
    const refused = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("has not opened yet");
    expect(refused.stderr).toContain('--emergency "REASON"');
    const dry = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    const ran = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--emergency", "CHG-E-42 restore payroll"]);
    expect(ran.code, ran.stderr).toBe(0);
    const status = await ferryIn(dir, ["status", /run (\S+):/.exec(ran.stdout)![1]!]);
    expect(status.stdout).toContain("EMERGENCY run by operator: CHG-E-42 restore payroll");
  });
});
