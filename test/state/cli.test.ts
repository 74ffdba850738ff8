/**
 * Team state as an operator types it: `ferry run` and `ferry status` with `--state
 * postgres://…` (and FERRY_STATE) against a real server; the password in the connection string
 * never appears in what ferry prints, and status says who started each run, from where, and
 * whether its lease is live.
 */
import { writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { resumeRunById } from "../../src/runs/continue.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { refusal } from "../helpers/refusal.js";
import { ferry } from "../helpers/cli.js";
import { runProject } from "../cli/run-project.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { closeBackends, migratedDatabase, pgState } from "./pg-state.js";

describe.skipIf(postgresMissingReason())("ferry run and status on a team database", () => {
  const pgs = usePostgres();

  it("runs a wave into the database, lists it with its operator, machine and lease, and never prints the password", async () => {
    const url = await migratedDatabase(pgs.server);
    const password = pgs.server.password;
    const dir = runProject([{ id: "crm", runbook: "plain" }], { plain: `steps:\n  - id: move\n    local: { run: "echo moved" }\n` });
    const plan = join(dir, "p.json");
    writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
    await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });
    const env = { ...process.env, FERRY_OPERATOR: "alice" };
    const run = ferry(["run", "--plan", plan, "--wave", "1", "--dir", dir, "--state", url], { env });
    expect(run.code, run.stderr).toBe(0);
    const list = ferry(["status", "--dir", dir], { env: { ...env, FERRY_STATE: url } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`succeeded .*\\(alice on ${hostname()}\\)`));
    const id = list.stdout.split(" ")[0]!;
    const one = ferry(["status", id, "--dir", dir, "--state", url, "--json"], { env });
    const json = JSON.parse(one.stdout) as { live: boolean; startedFrom: string; lease: { holder: string; live: boolean } };
    expect(json).toMatchObject({ live: false, startedFrom: hostname(), lease: { holder: "alice", live: false } });
    const text = ferry(["status", id, "--dir", dir, "--state", url], { env });
    expect(text.stdout).toContain(`started from ${hostname()}; lease not live: last held by alice`);
    const missing = ferry(["resume", "nope", "--dir", dir, "--state", url], { env });
    expect(missing.code).toBe(2);
    for (const r of [run, list, one, text, missing]) {
      expect(r.stdout + r.stderr).not.toContain(password);
    }
    expect(missing.stderr).toContain("postgres://");
  }, 60_000);

  it("refuses to resume a run whose records were cut back in the database below the head kept in the heads table", async () => {
    const url = await migratedDatabase(pgs.server);
    const dir = runProject([{ id: "crm", runbook: "plain" }], { plain: `steps:\n  - id: move\n    local: { run: "echo run:move >> ledger" }\n` });
    const plan = join(dir, "p.json");
    writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
    await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });
    const state = await pgState(url, join(dir, ".ferry"));
    const ctx: RunsContext = { dir, stateDir: join(dir, ".ferry"), operator: "alice", env: {}, state };
    try {
      const run = await startWave(ctx, await prepareWave(ctx, { plan, wave: 1 }));
      expect(run.exitCode).toBe(0);
      expect(await state.recordedHeads(run.runId)).toHaveLength(1);
      // Someone with write access to the database deletes every record but the header.
      await state.pool.query("DELETE FROM ferry_records WHERE run_id = $1 AND seq > 1", [run.runId]);
      await state.pool.query("UPDATE ferry_runs SET last_seq = 1, last_sum = (SELECT substring(line from length(line) - 65 for 64) FROM ferry_records WHERE run_id = $1 AND seq = 1) WHERE run_id = $1", [run.runId]);
      const err = await refusal(resumeRunById(ctx, run.runId));
      expect(err.code).toBe("journal-head-mismatch");
      expect(err.message).toContain("the heads table");
    } finally {
      await closeBackends();
    }
  }, 60_000);
});
