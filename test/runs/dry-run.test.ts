/**
 * The dry run as evidence a board can see before it approves: it needs no approval, names each
 * problem once with what it blocks, never calls a probe that could not run "verified", and
 * records its result bound to the plan and wave.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { loadValidProjectQuietly, type RunsContext } from "../../src/runs/context.js";
import { dryRunPath, dryRunWave } from "../../src/runs/dry-run.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { startTcpServer } from "../harness/tcp-server.js";
import { runProject, ferryIn } from "../cli/run-project.js";

let closedPort: number;
let dir: string;
let ctx: RunsContext;
let plan: string;

beforeAll(async () => {
  const closed = await startTcpServer();
  closedPort = closed.port;
  await closed.close();
  // Three applications whose prechecks and checks all need one service that is down.
  dir = runProject(
    ["crm", "payroll", "billing"].map((id) => ({ id, runbook: "needs-db" })),
    {
      "needs-db": `precheck:
  - id: db-up
    tcp: { host: 127.0.0.1, port: ${closedPort} }
steps:
  - id: move
    local: { run: "echo run:{{ app.id }} >> ledger" }
    check: { http: { url: "http://127.0.0.1:${closedPort}/moved" } }
`,
    },
  );
  ctx = { dir, stateDir: join(dir, ".ferry"), operator: "operator", env: {} };
  plan = join(dir, "p.json");
  writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
});

afterAll(() => undefined);

describe("ferry run --dry-run", () => {
  it("needs no approval, and says where the approval stands", async () => {
    const prepared = await prepareWave(ctx, { plan, wave: 1, withoutApproval: true });
    expect(prepared.approvalStatus).toEqual({ required: true, status: "missing", detail: expect.stringContaining("has no change-board approval") });
    const result = await dryRunWave(ctx, prepared);
    expect(result.approval.status).toBe("missing");
    expect(existsSync(join(dir, "ledger"))).toBe(false);
  });

  it("names each problem once, with every check it blocks", async () => {
    const result = await dryRunWave(ctx, await prepareWave(ctx, { plan, wave: 1, withoutApproval: true }));
    expect(result.ok).toBe(false);
    expect(result.problems.map((p) => p.blocks.map((b) => `${b.app} ${b.phase} ${b.id}`).sort())).toEqual([
      ["billing precheck db-up", "crm precheck db-up", "payroll precheck db-up"],
      ["billing check move", "crm check move", "payroll check move"],
    ]);
  });

  it("never grades a check probe that could not run as verified", async () => {
    const result = await dryRunWave(ctx, await prepareWave(ctx, { plan, wave: 1, withoutApproval: true }));
    for (const check of result.items.filter((i) => i.phase === "check")) {
      expect(check.fidelity).toBe("failed");
      expect(check.detail).toMatch(/^the check probe could not run: /);
    }
  });

  it("records its result bound to the plan hash and wave, and writes --out for the board", async () => {
    const out = join(dir, "dry-run.json");
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--dry-run", "--out", out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain("approval: not approved yet (the dry run needs no approval; the run will)");
    expect(r.stdout).toMatch(/2 problem\(s\) to fix before the wave runs:\n {2}1\. .*\n {5}blocks 3 check\(s\): (\w+ precheck db-up(, )?){3}\n {2}2\. /);
    const written = JSON.parse(readFileSync(out, "utf8")) as { kind: string; plan: string; wave: number };
    const planHash = (JSON.parse(readFileSync(plan, "utf8")) as { hash: string }).hash;
    expect(written).toMatchObject({ kind: "DryRun", plan: planHash, wave: 1 });
    expect(JSON.parse(readFileSync(dryRunPath(ctx.stateDir, planHash, 1), "utf8"))).toEqual(written);
  });
});
