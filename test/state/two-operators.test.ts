/**
 * Two operators, on two machines (two state folders, two connection pools), sharing the team's
 * database, start the same wave at nearly the same instant (reliability row 15): exactly one
 * run acts, the other is refused with who holds the application, and the step ran once.
 * FERRY_PG_RACES sets the number of races (default 30; row 15 asks 100 once in a while).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { FerryError } from "../../src/model/codes.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { approveWave } from "../../src/runs/approval.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startWave } from "../../src/runs/start.js";
import { runProject } from "../cli/run-project.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { closeBackends, databaseFactory, pgState } from "./pg-state.js";

const RACES = Number(process.env.FERRY_PG_RACES ?? 30);

describe.skipIf(postgresMissingReason())("two operators sharing one database", () => {
  const pgs = usePostgres();
  afterEach(closeBackends);

  it(`race for a wave ${RACES} times with 0-50 ms between them: exactly one run acts each time`, async () => {
    const dir = runProject([{ id: "crm", runbook: "plain" }], { plain: `steps:\n  - id: move\n    local: { run: "echo run:move:crm >> ledger" }\n` });
    const plan = join(dir, "p.json");
    writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
    await approveWave({ dir }, { plan, wave: 1, by: "Change Board", ref: "CHG0001" });
    const fresh = await databaseFactory(pgs.server);
    const ledger = join(dir, "ledger");
    const lines = () => (existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean).length : 0);
    const fig = { wins: 0, refusals: 0, doubles: 0, loserMs: [] as number[], failures: [] as string[] };
    for (let i = 0; i < RACES; i++) {
      const url = await fresh();
      const operator = (name: string): Promise<RunsContext> =>
        (async () => {
          const stateDir = mkdtempSync(join(tmpdir(), `ferry-${name}-`));
          return { dir, stateDir, operator: name, env: {}, state: await pgState(url, stateDir) };
        })();
      const [alice, bob] = await Promise.all([operator("alice"), operator("bob")]);
      const [wa, wb] = await Promise.all([prepareWave(alice, { plan, wave: 1 }), prepareWave(bob, { plan, wave: 1 })]);
      const before = lines();
      const skew = Math.floor(Math.random() * 50);
      const t0 = Date.now();
      const timed = (p: Promise<unknown>) => p.then((v) => ({ ok: true as const, v, ms: Date.now() - t0 }), (e: unknown) => ({ ok: false as const, e, ms: Date.now() - t0 }));
      const results = await Promise.all([timed(startWave(alice, wa)), timed(new Promise((r) => setTimeout(r, skew)).then(() => startWave(bob, wb)))]);
      const won = results.filter((r) => r.ok);
      const lost = results.filter((r) => !r.ok);
      const ran = lines() - before;
      fig.wins += won.length;
      if (ran !== 1) fig.doubles += ran - 1;
      for (const r of lost) {
        const err = r.e as FerryError;
        if (err.code !== "earlier-run" || !/started by (alice|bob)/.test(err.message)) fig.failures.push(`race ${i}: refused with ${err.code}: ${err.message}`);
        else fig.refusals++;
        fig.loserMs.push(r.ms);
      }
      if (won.length !== 1) fig.failures.push(`race ${i}: ${won.length} runs went ahead`);
      await closeBackends();
    }
    fig.loserMs.sort((a, b) => a - b);
    console.info(`two operators, one database: ${RACES} races, ${fig.wins} winners, ${fig.refusals} refused naming the holder, ${fig.doubles} double executions, loser told in p50 ${fig.loserMs[Math.floor(fig.loserMs.length / 2)]} ms / max ${fig.loserMs.at(-1)} ms`);
    expect(fig.failures).toEqual([]);
    expect(fig.doubles).toBe(0);
    expect(fig.wins).toBe(RACES);
  }, 180_000);
});
