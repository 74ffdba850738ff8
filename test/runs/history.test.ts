/**
 * Which applications earlier runs hold against a new `ferry run` of a wave, read from real
 * journals in a temporary state directory, and from a team database on a real PostgreSQL
 * server: one suite over both backends (the end-to-end case is in run.test.ts).
 */
import { afterEach, describe, expect, it } from "vitest";
import { heldApplications, readRun, refuseLiveNeighbours } from "../../src/runs/history.js";
import { stateBackend, type StateRef } from "../../src/state/index.js";
import { RUN_EVENT_VERSION, type Status } from "../../src/model/run-event.js";
import { tempStateDir } from "../journal/helpers.js";
import { postgresMissingReason, usePostgres } from "../harness/postgres.js";
import { closeBackends, migratedDatabase, pgState } from "../state/pg-state.js";

const pgMissing = postgresMissingReason();
const pgs = pgMissing ? undefined : usePostgres();
const BACKENDS = ["file", ...(pgMissing ? [] : ["postgres"])] as const;

const PLAN = "sha256:aaaa";
const at = "2027-01-12T20:00:00.000Z";

/** Journal a run of `apps` (each ending in its status) for a plan and wave; `finished` adds run.finished. */
async function journalRun(state: StateRef, run: string, opts: { plan?: string; wave?: number; apps: Record<string, Status>; finished?: Status; hosts?: Record<string, string[]>; rehearsal?: boolean; keepOpen?: boolean }): Promise<{ close(): Promise<void> }> {
  const j = await stateBackend(state).createRun(run, { owner: "test" });
  const base = { v: RUN_EVENT_VERSION, at, run };
  await j.append({
    ...base,
    type: "run.started",
    operator: "test",
    planHash: opts.plan ?? PLAN,
    wave: opts.wave ?? 1,
    dryRun: false,
    runbooks: {},
    apps: Object.keys(opts.apps).map((app) => ({ app, runbook: "plain", hosts: opts.hosts?.[app] ?? [], steps: [] })),
    options: { concurrency: 1 },
    ...(opts.rehearsal ? { rehearsal: true as const } : {}),
  });
  for (const [app, status] of Object.entries(opts.apps)) {
    if (status === "pending") continue;
    await j.append({ ...base, type: "app.started", app });
    await j.append({ ...base, type: "app.finished", app, status });
  }
  if (opts.finished) await j.append({ ...base, type: "run.finished", status: opts.finished, exitCode: 0, counts: {} });
  // Kept open, the journal's run lock is held by this live process: the run is going on.
  if (!opts.keepOpen) await j.close();
  return j;
}

describe.each(BACKENDS)("with state in %s", (backend) => {
  /** An empty state: a new folder, or a new database. */
  const newState = async (): Promise<StateRef> => (backend === "file" ? tempStateDir() : await pgState(await migratedDatabase(pgs!.server), tempStateDir()));
  afterEach(closeBackends);

  describe("earlier runs of a wave", () => {
    it("hold every application of an unfinished run, and the succeeded or rollback-failed ones of a finished run", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { apps: { a: "succeeded", b: "rolled-back", c: "rollback-failed", d: "failed", e: "skipped" }, finished: "failed" });
      await journalRun(state, "20270112-200000-000002", { apps: { f: "succeeded", g: "pending" } }); // crashed: no run.finished
      const held = await heldApplications(state, ["a", "b", "c", "d", "e", "f", "g", "h"]);
      expect(held.map((h) => [h.app, h.status, h.unfinished])).toEqual([
        ["a", "succeeded", false],
        ["c", "rollback-failed", false],
        ["f", "succeeded", true],
        ["g", "pending", true],
      ]);
    });

    it("are held across plans and waves: another plan of the same applications may not run them again", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { wave: 2, apps: { a: "succeeded" }, finished: "succeeded" });
      await journalRun(state, "20270112-200000-000002", { plan: "sha256:bbbb", apps: { b: "pending" } });
      await journalRun(state, "20270112-200000-000003", { apps: { c: "rolled-back" }, finished: "rolled-back" });
      expect(await heldApplications(state, ["a", "b", "c"])).toEqual([
        { app: "a", runId: "20270112-200000-000001", status: "succeeded", unfinished: false, by: "test" },
        { app: "b", runId: "20270112-200000-000002", status: "pending", unfinished: true, by: "test" },
      ]);
    });

    it("include, while a run is unfinished, applications that share a host with one of its applications still at work", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { plan: "sha256:bbbb", apps: { payroll: "pending", done: "succeeded" }, hosts: { payroll: ["db01"], done: ["web01"] } });
      const hosts = new Map([["crm", ["db01", "web01"]], ["intranet", ["web02"]]]);
      expect(await heldApplications(state, ["crm", "intranet"], hosts)).toEqual([
        { app: "crm", runId: "20270112-200000-000001", status: "pending", unfinished: true, via: { app: "payroll", host: "db01" }, by: "test" },
      ]);
    });

    it("are only the applications asked about", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { apps: { a: "succeeded", b: "succeeded" }, finished: "succeeded" });
      expect(await heldApplications(state, ["b"])).toEqual([{ app: "b", runId: "20270112-200000-000001", status: "succeeded", unfinished: false, by: "test" }]);
      expect(await heldApplications(state, ["z"])).toEqual([]);
      expect(await heldApplications(await newState(), ["a"])).toEqual([]);
    });

    it("of a rehearsal hold its applications and hosts only while it goes on", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { rehearsal: true, apps: { a: "succeeded" }, finished: "succeeded" });
      await journalRun(state, "20270112-200000-000002", { rehearsal: true, apps: { b: "running" } }); // interrupted: no process works on it
      const live = await journalRun(state, "20270112-200000-000003", { rehearsal: true, apps: { c: "running" }, hosts: { c: ["db01"] }, keepOpen: true });
      try {
        expect(await heldApplications(state, ["a", "b", "c", "d"], new Map([["d", ["db01"]]]))).toEqual([
          { app: "c", runId: "20270112-200000-000003", status: "running", unfinished: true, rehearsal: true, by: "test" },
          { app: "d", runId: "20270112-200000-000003", status: "running", unfinished: true, via: { app: "c", host: "db01" }, rehearsal: true, by: "test" },
        ]);
      } finally {
        await live.close();
      }
      expect(await heldApplications(state, ["c"])).toEqual([]);
    });

    it("hold a new rehearsal back only while they go on, not for what a real run left in place", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { apps: { a: "succeeded" }, finished: "succeeded" });
      await journalRun(state, "20270112-200000-000002", { apps: { b: "running" } }); // interrupted
      const live = await journalRun(state, "20270112-200000-000003", { apps: { c: "running" }, keepOpen: true });
      try {
        expect(await heldApplications(state, ["a", "b", "c"], new Map(), { rehearsal: true })).toEqual([{ app: "c", runId: "20270112-200000-000003", status: "running", unfinished: true, by: "test" }]);
        // The real run is held by all three, as before.
        expect((await heldApplications(state, ["a", "b", "c"])).map((h) => h.app)).toEqual(["a", "b", "c"]);
      } finally {
        await live.close();
      }
    });

    it("refuse to go on with a stopped run while a rehearsal started since works on its applications", async () => {
      const state = await newState();
      await journalRun(state, "20270112-200000-000001", { apps: { a: "running", b: "pending" }, hosts: { a: ["db01"], b: ["web01"] } }); // interrupted
      const rehearsal = await journalRun(state, "20270112-200000-000002", { rehearsal: true, apps: { c: "running" }, hosts: { c: ["db01"] }, keepOpen: true });
      const stopped = await readRun(state, "20270112-200000-000001");
      try {
        await expect(refuseLiveNeighbours(state, stopped, "")).rejects.toMatchObject({
          code: "earlier-run",
          message: expect.stringMatching(/a: shares host db01 with c, running in rehearsal run 20270112-200000-000002, going on now/),
        });
      } finally {
        await rehearsal.close();
      }
      await expect(refuseLiveNeighbours(state, stopped, "")).resolves.toBeUndefined();
    });
  });
});
