/**
 * Site runners as a user types them: `ferry state migrate`, `ferry runner --site S` in the
 * background, `ferry run --runners`, `ferry status`, all against one real PostgreSQL.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { ferry } from "../helpers/cli.js";
import { ferryIn, ledger, planAndApprove, runProject, startFerry } from "../cli/run-project.js";

const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
`;

describe.skipIf(postgresMissingReason())("ferry runner and ferry run --runners", () => {
  const pgs = usePostgres();

  it("queues the wave by site, a runner runs it, the coordinator follows it to exit 0; without a runner the site is reported (exit 4)", async () => {
    const url = await pgs.server.createDatabase();
    const dir = runProject([{ id: "c1", runbook: "move" }, { id: "c2", runbook: "move" }], { move: `steps:\n${marker("s1")}` });
    const env = { FERRY_STATE: url, FERRY_RUNNER_GRACE_SECONDS: "1", FERRY_LEASE_SECONDS: "3" };
    const migrated = ferry(["state", "migrate"], { env });
    expect(migrated.code, migrated.stderr).toBe(0);
    const plan = await planAndApprove(dir);

    // No runner yet: reported at once and after the grace period, not waited for.
    const alone = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--runners", "--only", "c1"], env);
    expect(alone.code, alone.stderr + alone.stdout).toBe(4);
    expect(alone.stderr).toMatch(/no live runner at site guildhall now/);
    expect(alone.stderr).toMatch(/site guildhall has no live runner: c1 wait in the queue\. Start `ferry runner --site guildhall` there; it takes them\. \[runner-missing\]/);

    const typo = await ferryIn(dir, ["runner", "--site", "guildhal"], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/--site guildhal is not a site of the estate/);
    expect(typo.stderr).toMatch(/Sites: .*guildhall/);

    const runner = startFerry(dir, ["runner", "--site", "guildhall", "--json"], env);
    try {
      await runner.waitFor(/"runner\.started"/);
      // The runner takes the job c1 waited with, too.
      await runner.waitFor(/"job\.finished","app":"c1"/);
      const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--runners", "--only", "c2", "--json"], env);
      expect(r.code, r.stderr + r.stdout).toBe(0);
      const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
      expect(events[0]).toMatchObject({ type: "wave.queued", wave: 1, apps: [{ app: "c2", site: "guildhall" }] });
      expect(events.at(-1)).toMatchObject({ type: "batch.finished", exitCode: 0, apps: [{ app: "c2", status: "succeeded" }] });
      expect(r.stdout + r.stderr).not.toContain(pgs.server.password);
      expect(ledger(join(dir, "ledger")).sort()).toEqual(["run:s1:c1", "run:s1:c2"]);
      const stateStatus = ferry(["state", "status"], { env });
      expect(stateStatus.code, stateStatus.stderr).toBe(0);
      expect(stateStatus.stdout).toMatch(/runner guildhall\/\S+ \(site guildhall, \S+@\S+\): live, heartbeat /);
      const status = await ferryIn(dir, ["status", "--json"], env);
      expect(status.code, status.stderr).toBe(0);
      const runs = (JSON.parse(status.stdout) as { runs: { applications: { id: string; status: string }[] }[] }).runs;
      expect(runs.flatMap((x) => x.applications.map((a) => [a.id, a.status])).sort()).toEqual([
        ["c1", "succeeded"],
        ["c2", "succeeded"],
      ]);
    } finally {
      runner.child.kill("SIGTERM");
    }
    const stopped = await runner.done;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stdout).toMatch(/"runner\.stopped"/);
  }, 120_000);
});
