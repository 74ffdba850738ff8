/**
 * `ferry run --rehearsal` as a user runs it: a wave that is neither approved nor inside its
 * window rehearses anyway, `ferry status` labels the run, and once it has stopped it neither
 * holds its applications (the real run goes ahead) nor counts as the wave having run for
 * `ferry plan --keep`; while it goes on, it holds them like any run.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferryIn, planAndApprove, runIdOf, runProject, startFerry, untilLedger } from "./run-project.js";

const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

let dir: string;
let plan: string;

beforeAll(async () => {
  dir = runProject(
    [
      { id: "quick", runbook: "quick" },
      { id: "held", runbook: "held" },
    ],
    {
      quick: `steps:
  - id: s1
    local: { run: "echo run:s1:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:s1:{{ app.id }} >> ledger" } }
`,
      held: `steps:
  - id: hold
    local: { run: "echo run:hold:{{ app.id }} >> ledger; while [ ! -f go ]; do sleep 0.05; done" }
    rollback: { local: { run: "echo undo:hold:{{ app.id }} >> ledger" } }
`,
    },
    // The window opens tomorrow and nothing is approved: only a rehearsal may run now.
    { firstWave: tomorrow, window: { start: "19:00", end: "23:30", timezone: "Europe/London" } },
  );
  plan = await planAndApprove(dir, false);
}, 60_000);

describe("ferry run --rehearsal", () => {
  it("runs a wave that is neither approved nor in its window, journalled and labelled a rehearsal", async () => {
    const real = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "quick"]);
    expect(real.code).toBe(2);

    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "quick", "--rehearsal"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/^REHEARSAL run \d{8}-\d{6}-[0-9a-f]{6}: wave 1/m);
    const runId = runIdOf(r);
    const header = JSON.parse(readFileSync(join(dir, ".ferry", "runs", runId, "journal.ndjson"), "utf8").split("\n")[0]!).event;
    expect(header).toMatchObject({ type: "run.started", rehearsal: true, wave: 1 });
    expect(header.approval).toBeUndefined();

    const status = await ferryIn(dir, ["status", runId]);
    expect(status.stdout).toMatch(new RegExp(`^REHEARSAL run ${runId}: succeeded`));
    const json = JSON.parse((await ferryIn(dir, ["status", runId, "--json"])).stdout);
    expect(json).toMatchObject({ run: runId, rehearsal: true, status: "succeeded" });
    const list = await ferryIn(dir, ["status"]);
    expect(list.stdout).toMatch(new RegExp(`${runId} +succeeded +wave 1 REHEARSAL`));

    // A finished rehearsal holds nothing: the next rehearsal of the same applications runs.
    const again = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "quick", "--rehearsal"]);
    expect(again.code, again.stderr).toBe(0);
  }, 60_000);

  it("refuses --rehearsal with --dry-run or --emergency (exit 2)", async () => {
    const dry = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--rehearsal", "--dry-run"]);
    expect(dry.code).toBe(2);
    expect(dry.stderr).toMatch(/--rehearsal and --dry-run do not go together/);
    const emergency = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--rehearsal", "--emergency", "INC1"]);
    expect(emergency.code).toBe(2);
    expect(emergency.stderr).toMatch(/--emergency and --rehearsal do not go together/);
  }, 60_000);

  it("holds its applications while it goes on, and not once it has stopped", async () => {
    const rehearsal = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "held", "--rehearsal"]);
    await untilLedger(join(dir, "ledger"), "run:hold:held");
    const blocked = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "held", "--rehearsal"]);
    expect(blocked.code).toBe(2);
    expect(blocked.stderr).toMatch(/held: running in rehearsal run \d{8}-\d{6}-[0-9a-f]{6} \(not finished\)/);
    writeFileSync(join(dir, "go"), "");
    expect((await rehearsal.done).code).toBe(0);
  }, 60_000);

  it("is not the wave having run: the real run goes ahead and plan --keep does not keep the wave", async () => {
    const kept = await ferryIn(dir, ["plan", "--keep", plan, "--out", join(dir, "plans", "kept.json")]);
    expect(kept.code, kept.stderr).toBe(0);
    const replanned = JSON.parse(readFileSync(join(dir, "plans", "kept.json"), "utf8"));
    expect(replanned.keep?.waves ?? []).toEqual([]);

    const approve = await ferryIn(dir, ["approve", "--plan", plan, "--wave", "1", "--by", "Change Board", "--ref", "CHG0001"]);
    expect(approve.code, approve.stderr).toBe(0);
    // Still outside the window: the real run declares why it runs now.
    const real = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--emergency", "test of the real run after rehearsals"]);
    expect(real.code, real.stderr + real.stdout).toBe(0);
    expect(real.stderr).toMatch(/^run \d{8}-\d{6}-[0-9a-f]{6}: wave 1/m);
    const header = JSON.parse(readFileSync(join(dir, ".ferry", "runs", runIdOf(real), "journal.ndjson"), "utf8").split("\n")[0]!).event;
    expect(header.rehearsal).toBeUndefined();
    expect(header.approval).toMatchObject({ changeRef: "CHG0001" });

    // The real run is the wave having run.
    const keptNow = await ferryIn(dir, ["plan", "--keep", plan, "--out", join(dir, "plans", "kept2.json")]);
    expect(keptNow.code, keptNow.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, "plans", "kept2.json"), "utf8")).keep.waves).toMatchObject([{ wave: 1 }]);
  }, 60_000);
});
