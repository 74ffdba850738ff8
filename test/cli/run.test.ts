/**
 * `ferry run`, `resume`, `rollback`, `status` and `gate approve` as a user runs them: the built
 * CLI in a child process, a small project directory, runbooks of `local`, `http` and `tcp`
 * steps against servers this test starts on 127.0.0.1, and a ledger file every marker step
 * appends to (so "ran exactly once" is checked on disk, not in ferry's own account).
 *
 * One project holds every scenario as its own application, planned and approved once; each
 * test runs its application with `--only` (a ferry start costs about a second here).
 */
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttpServer, type TestHttpServer } from "../harness/http-server.js";
import { startTcpServer, type TestTcpServer } from "../harness/tcp-server.js";
import { ferryIn, ledger, planAndApprove, runIdOf, runProject, startFerry, untilLedger } from "./run-project.js";

/** A marker step and its rollback, both appending to `ledger` in the project directory. */
const marker = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

/** A step that writes its marker, then holds until the file `go-<app>` exists (a long change). */
const holding = (id: string) => `  - id: ${id}
    local: { run: "echo run:${id}:{{ app.id }} >> ledger; while [ ! -f go-{{ app.id }} ]; do sleep 0.05; done" }
    rollback: { local: { run: "echo undo:${id}:{{ app.id }} >> ledger" } }
`;

const SECRET = `canary-${randomBytes(12).toString("hex")}`;
let http: TestHttpServer;
let tcp: TestTcpServer;
let closedPort: number;
let dir: string;
let plan: string;

beforeAll(async () => {
  http = await startHttpServer();
  http.route("/healthy", { status: 200, body: "ok" });
  http.route("/sick", { status: 503 });
  tcp = await startTcpServer();
  const closed = await startTcpServer();
  closedPort = closed.port;
  await closed.close();
  const app = (id: string, runbook: string, params?: Record<string, string>) => ({ id, runbook, ...(params ? { params } : {}) });
  dir = runProject(
    [
      app("ok1", "healthy"),
      app("ok2", "healthy"),
      app("sick", "sick"),
      app("rbfail", "rbfail"),
      app("gated", "gated"),
      app("sigint", "hold3"),
      app("sigkill", "hold2"),
      app("hostile", "quote", { label: "x; rm -rf / $(touch PWNED) `id`" }),
      app("secret", "secret"),
      app("secret-json", "secret"),
      app("json", "plain"),
      app("dry", "dry"),
      app("undo", "plain"),
      app("again", "gated"),
    ],
    {
      healthy: `precheck:
  - id: port-open
    tcp: { host: 127.0.0.1, port: ${tcp.port}, timeout: 2s }
steps:
${marker("s1")}${marker("s2")}verify:
  - id: healthy
    http: { url: "${http.url}/healthy", expect: { status: 200 } }
    consecutive: 2
    interval: 50ms
    within: 10s
`,
      sick: `steps:
${marker("s1")}${marker("s2")}${marker("s3")}verify:
  - id: healthy
    http: { url: "${http.url}/sick", expect: { status: 200 } }
    consecutive: 1
    interval: 50ms
    within: 2s
`,
      rbfail: `steps:
${marker("s1")}  - id: s2
    local: { run: "echo run:s2:{{ app.id }} >> ledger" }
    rollback: { local: { run: "echo cannot undo >&2; exit 7" } }
  - id: s3
    local: { run: "exit 1" }
`,
      gated: `steps:
${marker("s1")}  - id: cab-go
    approval: { message: "go ahead with the cutover?" }
${marker("s2")}`,
      hold3: `steps:\n${holding("s1")}${marker("s2")}${marker("s3")}`,
      hold2: `steps:\n${holding("s1")}${marker("s2")}`,
      quote: `steps:
  - id: show
    local: { run: "printf '[%s]\\\\n' {{ app.params.label }} > args" }
`,
      secret: `requires: { env: [DEPLOY_TOKEN] }
steps:
  - id: use
    local: { run: "echo token={{ env.DEPLOY_TOKEN }}; echo {{ env.DEPLOY_TOKEN }} | base64 >&2; test {{ env.DEPLOY_TOKEN }} = ${SECRET}" }
`,
      plain: `steps:\n${marker("s1")}${marker("s2")}`,
      dry: `precheck:
  - id: up
    tcp: { host: 127.0.0.1, port: ${tcp.port}, timeout: 2s }
  - id: down
    tcp: { host: 127.0.0.1, port: ${closedPort}, timeout: 2s }
steps:
${marker("s1")}`,
    },
  );
  plan = await planAndApprove(dir);
}, 60_000);

afterAll(async () => {
  await http.close();
  await tcp.close();
});

const run = (app: string, ...more: string[]) => ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", app, ...more], { DEPLOY_TOKEN: SECRET });
/** The ledger lines of one application, in the order written. */
const marks = (app: string) => ledger(join(dir, "ledger")).filter((l) => l.endsWith(`:${app}`));
type Status = { status: string; applications: { id: string; status: string; steps: { id: string; status: string; approvedBy?: string }[] }[] };
const statusOf = async (runId: string) => JSON.parse((await ferryIn(dir, ["status", runId, "--json"])).stdout) as Status;

describe("ferry run", () => {
  it("runs a wave that passes its prechecks and health gates, exits 0, and status shows it succeeded", async () => {
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", "ok1,ok2"]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toMatch(/ok1: succeeded/);
    const id = runIdOf(r);
    const s = await statusOf(id);
    expect(s.status).toBe("succeeded");
    expect(s.applications.map((a) => [a.id, a.status])).toEqual([["ok1", "succeeded"], ["ok2", "succeeded"]]);
    expect(marks("ok1")).toEqual(["run:s1:ok1", "run:s2:ok1"]);
    expect(marks("ok2")).toEqual(["run:s1:ok2", "run:s2:ok2"]);
    expect((await ferryIn(dir, ["status"])).stdout).toContain(`${id}  succeeded`);
  });

  it("rolls back completed steps in reverse order when a health gate fails, and exits 1", async () => {
    const r = await run("sick");
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/verify healthy FAILED: .*503/);
    expect(marks("sick")).toEqual(["run:s1:sick", "run:s2:sick", "run:s3:sick", "undo:s3:sick", "undo:s2:sick", "undo:s1:sick"]);
    const s = await statusOf(runIdOf(r));
    expect(s.applications[0]!.status).toBe("rolled-back");
    expect(s.status).toBe("rolled-back");
  });

  it("exits 3 when a rollback fails, naming the steps a person must finish", async () => {
    const r = await run("rbfail");
    expect(r.code, r.stderr + r.stdout).toBe(3);
    expect(r.stdout).toMatch(/rbfail: ROLLBACK FAILED\. A person must finish these steps by hand: s2, s1/);
    expect(marks("rbfail")).toEqual(["run:s1:rbfail", "run:s2:rbfail"]);
    expect((await statusOf(runIdOf(r))).applications[0]!.status).toBe("rollback-failed");
  });

  it("waits at an approval gate (exit 4) until `ferry gate approve`, then `ferry resume` completes the run", async () => {
    const r = await run("gated");
    expect(r.code, r.stderr + r.stdout).toBe(4);
    const id = runIdOf(r);
    expect(r.stdout).toContain(`ferry gate approve ${id} --app gated --step cab-go --by NAME`);
    expect((await statusOf(id)).applications[0]!.status).toBe("waiting");

    const self = await ferryIn(dir, ["gate", "approve", id, "--app", "gated", "--step", "cab-go", "--by", "operator"]);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/cannot approve its own gate/);
    const g = await ferryIn(dir, ["gate", "approve", id, "--app", "gated", "--step", "cab-go", "--by", "J Smith"]);
    expect(g.code, g.stderr).toBe(0);
    const done = await ferryIn(dir, ["resume", id]);
    expect(done.code, done.stderr + done.stdout).toBe(0);
    expect(marks("gated")).toEqual(["run:s1:gated", "run:s2:gated"]);
    const s = await statusOf(id);
    expect(s.status).toBe("succeeded");
    expect(s.applications[0]!.steps.find((x) => x.id === "cab-go")).toMatchObject({ status: "succeeded", approvedBy: "J Smith" });
  });

  it("on SIGINT lets the running step finish, starts nothing new, exits 130; resume finishes with no step run twice", async () => {
    const f = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "sigint"]);
    await untilLedger(join(dir, "ledger"), "run:s1:sigint");
    f.child.kill("SIGINT");
    await f.waitFor(/SIGINT: no new work starts/);
    writeFileSync(join(dir, "go-sigint"), "");
    const r = await f.done;
    expect(r.code, r.stderr + r.stdout).toBe(130);
    expect(marks("sigint")).toEqual(["run:s1:sigint"]);
    const id = runIdOf(r);
    expect(r.stdout).toContain(`ferry resume ${id}`);
    const again = await ferryIn(dir, ["resume", id]);
    expect(again.code, again.stderr + again.stdout).toBe(0);
    expect(marks("sigint")).toEqual(["run:s1:sigint", "run:s2:sigint", "run:s3:sigint"]);
  });

  it("after SIGKILL mid non-idempotent step, resume exits 4 naming the uncertain step, and --step-done settles it", async () => {
    const f = startFerry(dir, ["run", "--plan", plan, "--wave", "1", "--only", "sigkill"]);
    const id = runIdOf(await f.waitFor(/run \d{8}-\d{6}-[0-9a-f]{6}/));
    await untilLedger(join(dir, "ledger"), "run:s1:sigkill");
    f.child.kill("SIGKILL");
    await f.done;
    writeFileSync(join(dir, "go-sigkill"), ""); // the orphaned command ends, as an operator makes sure first

    const r = await ferryIn(dir, ["resume", id]);
    expect(r.code, r.stderr + r.stdout).toBe(4);
    expect(r.stdout).toMatch(/sigkill: step s1 is UNCERTAIN/);
    expect(r.stdout).toContain("--step-done s1");
    // It names where to look (a local step ran on this machine) and the real run id.
    expect(r.stdout).toContain("took effect on this machine (where ferry ran it)");
    expect(r.stdout).toContain(`ferry resume ${id} --app sigkill --step-done s1`);
    expect((await statusOf(id)).applications[0]!.steps[0]).toMatchObject({ id: "s1", status: "uncertain" });

    const settled = await ferryIn(dir, ["resume", id, "--step-done", "s1"]);
    expect(settled.code, settled.stderr + settled.stdout).toBe(0);
    expect(marks("sigkill")).toEqual(["run:s1:sigkill", "run:s2:sigkill"]);
  });

  it("passes a hostile parameter value as one literal argument", async () => {
    const r = await run("hostile");
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(readFileSync(join(dir, "args"), "utf8")).toBe("[x; rm -rf / $(touch PWNED) `id`]\n");
    expect(readdirSync(dir)).not.toContain("PWNED");
  });

  it("never writes a secret from the environment to the journal, the log or its output", async () => {
    for (const [app, json] of [["secret", false], ["secret-json", true]] as const) {
      const r = await run(app, ...(json ? ["--json"] : []));
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(SECRET);
      const id = json ? (JSON.parse(r.stdout.split("\n")[0]!) as { run: string }).run : runIdOf(r);
      const runDir = join(dir, ".ferry", "runs", id);
      expect(readFileSync(join(runDir, "journal.ndjson"), "utf8")).toContain("token=***");
      for (const f of ["journal.ndjson", "log.ndjson"]) {
        const text = readFileSync(join(runDir, f), "utf8");
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(Buffer.from(SECRET).toString("base64").slice(0, 24));
      }
    }
  });

  it("streams NDJSON events with --json", async () => {
    const r = await run("json", "--json");
    expect(r.code, r.stderr).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe("run.started");
    expect(events.at(-1)).toMatchObject({ type: "run.finished", status: "succeeded", exitCode: 0 });
  });

  it("--dry-run runs read-only probes, reports an unreachable precheck and runs no step", async () => {
    const r = await run("dry", "--dry-run");
    expect(r.code, r.stderr + r.stdout).toBe(1);
    expect(r.stdout).toMatch(/precheck up\s+verified/);
    expect(r.stdout).toMatch(/precheck down\s+FAILED/);
    expect(r.stdout).toMatch(/step s1\s+not checked: cannot be checked without making the change/);
    expect(r.stdout).toContain("$ echo run:s1:'dry' >> ledger");
    expect(marks("dry")).toEqual([]);
  });

  it("`ferry rollback` undoes a finished run's applications and exits 0", async () => {
    const r = await run("undo");
    expect(r.code).toBe(0);
    const id = runIdOf(r);
    const rb = await ferryIn(dir, ["rollback", id]);
    expect(rb.code, rb.stderr + rb.stdout).toBe(0);
    expect(marks("undo")).toEqual(["run:s1:undo", "run:s2:undo", "undo:s2:undo", "undo:s1:undo"]);
    expect((await statusOf(id)).applications[0]!.status).toBe("rolled-back");
  });

  it("refuses to run an application again while an earlier run of the wave holds it", async () => {
    const first = await run("again");
    expect(first.code, first.stderr + first.stdout).toBe(4); // waiting at its approval gate
    const id = runIdOf(first);

    const unfinished = await run("again");
    expect(unfinished.code, unfinished.stderr + unfinished.stdout).toBe(2);
    expect(unfinished.stderr).toContain(`again: waiting in run ${id} (not finished)`);
    expect(unfinished.stderr).toContain(`ferry resume ${id}`);

    expect((await ferryIn(dir, ["gate", "approve", id, "--app", "again", "--step", "cab-go", "--by", "J Smith"])).code).toBe(0);
    expect((await ferryIn(dir, ["resume", id])).code).toBe(0);
    const succeeded = await run("again", "--json");
    expect(succeeded.code).toBe(2);
    expect(JSON.parse(succeeded.stdout)).toMatchObject({ ok: false, error: { code: "earlier-run" } });
    expect(succeeded.stdout).toContain(`again: succeeded in run ${id}`);

    // Undone, it may run again.
    expect((await ferryIn(dir, ["rollback", id])).code).toBe(0);
    const rerun = await run("again");
    expect(rerun.code, rerun.stderr + rerun.stdout).toBe(4);
    expect(runIdOf(rerun)).not.toBe(id);
    expect(marks("again")).toEqual(["run:s1:again", "run:s2:again", "undo:s2:again", "undo:s1:again", "run:s1:again"]);
  });

  it("refuses a plan edited after planning (exit 2)", async () => {
    const p = JSON.parse(readFileSync(plan, "utf8")) as { waves: { date: string }[] };
    p.waves[0]!.date = "2027-01-13";
    const edited = join(dir, "plans", "edited.json");
    writeFileSync(edited, JSON.stringify(p, null, 2));
    const r = await ferryIn(dir, ["run", "--plan", edited, "--wave", "1", "--only", "json"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was modified after it was planned/);
  });
});

describe("ferry run refuses before anything changes", () => {
  const small = () => runProject([{ id: "a1", runbook: "move" }], { move: `steps:\n${marker("s1")}` });

  it("a wave without a change-board approval (exit 2)", async () => {
    const d = small();
    const p = await planAndApprove(d, false);
    const r = await ferryIn(d, ["run", "--plan", p, "--wave", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/wave 1 of plan sha256:[0-9a-f]{64} has no change-board approval/);
    expect(r.stderr).toContain("ferry approve");
    expect(ledger(join(d, "ledger"))).toEqual([]);
  });

  it("a plan whose runbook changed since planning (exit 2), naming it", async () => {
    const d = small();
    const p = await planAndApprove(d, false);
    writeFileSync(join(d, "runbooks", "move.yaml"), `apiVersion: ferry/v1\nkind: Runbook\nname: move\nsteps:\n${marker("s9")}`);
    const r = await ferryIn(d, ["run", "--plan", p, "--wave", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/runbook move was changed since the plan was made/);
    expect(ledger(join(d, "ledger"))).toEqual([]);
  });
});
