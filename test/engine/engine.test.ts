import { describe, expect, it } from "vitest";
import { ActionError, CommandFailedError, ConnectionLostError, UnreachableError } from "../../src/actions/errors.js";
import { estate, prepareAll, runbook, runWith, scriptedLocal, trace } from "./helpers.js";

const threeSteps = runbook("three", {
  steps: [
    { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } },
    { id: "b", local: { run: "do b" }, rollback: { local: { run: "undo b" } } },
    { id: "c", local: { run: "do c" }, rollback: { local: { run: "undo c" } } },
  ],
});

describe("the engine", () => {
  it("runs steps in file order, journals each start before the action runs, and exits 0", async () => {
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    let journalled = 0;
    const run = await runWith(prepareAll(est, threeSteps), est, {
      local: scriptedLocal((cmd) => {
        seen.push(`${cmd}@${journalled}`);
        return { stdout: cmd };
      }),
    }, {
      listeners: [() => journalled++],
    });
    expect(run.exitCode).toBe(0);
    expect(run.status).toBe("succeeded");
    expect(seen.map((s) => s.split("@")[0])).toEqual(["do a", "do b", "do c"]);
    const types = run.events.map((e) => e.type);
    // step.started is durable (and seen by listeners) before the action runs
    for (const s of seen) {
      const at = Number(s.split("@")[1]);
      expect(types[at - 1]).toBe("step.started");
    }
    expect(trace(run.events, ["app.started", "step.succeeded", "app.finished", "run.finished"])).toEqual([
      "app.started revs",
      "step.succeeded revs a",
      "step.succeeded revs b",
      "step.succeeded revs c",
      "app.finished revs",
      "run.finished",
    ]);
  });

  it("rolls back completed steps in reverse order when a step fails, and exits 1", async () => {
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, threeSteps), est, {
      local: scriptedLocal((cmd) => {
        seen.push(cmd);
        if (cmd === "do c") throw new CommandFailedError("exit 1", { exitCode: 1 });
        return {};
      }),
    });
    expect(seen).toEqual(["do a", "do b", "do c", "undo b", "undo a"]);
    expect(run.exitCode).toBe(1);
    expect(run.state.apps.get("revs")!.status).toBe("rolled-back");
  });

  it("reports rollback-failed with the exact steps a person must finish, and exits 3", async () => {
    const est = estate([{ id: "revs" }]);
    const run = await runWith(prepareAll(est, threeSteps), est, {
      local: scriptedLocal((cmd) => {
        if (cmd === "do c" || cmd === "undo b") throw new CommandFailedError(`${cmd} failed`, { exitCode: 1 });
        return {};
      }),
    });
    expect(run.exitCode).toBe(3);
    const app = run.state.apps.get("revs")!;
    expect(app.status).toBe("rollback-failed");
    expect(app.manual).toEqual(["b", "a"]);
    expect(run.events.some((e) => e.type === "rollback.started" && e.step === "a")).toBe(false);
  });

  it("retries a rollback per its own policy before declaring rollback-failed", async () => {
    const rb = runbook("r", {
      steps: [
        { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" }, retry: { attempts: 3, delay: "1s" } } },
        { id: "b", local: { run: "do b" } },
      ],
    });
    const est = estate([{ id: "revs" }]);
    let undo = 0;
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        if (cmd === "do b") throw new CommandFailedError("no", { exitCode: 1 });
        if (cmd === "undo a" && ++undo < 3) throw new CommandFailedError("not yet", { exitCode: 1 });
        return {};
      }),
    });
    expect(undo).toBe(3);
    expect(run.state.apps.get("revs")!.status).toBe("rolled-back");
  });

  it("retries a transient failure that did not start, then succeeds", async () => {
    const rb = runbook("r", { steps: [{ id: "a", local: { run: "do a" }, retry: { attempts: 3, delay: "1s", backoff: 2 } }] });
    const est = estate([{ id: "revs" }]);
    let n = 0;
    const delays: number[] = [];
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal(() => {
        if (++n < 3) throw new UnreachableError("connection refused");
        return {};
      }),
    }, { sleep: async (ms) => void delays.push(ms) });
    expect(run.exitCode).toBe(0);
    expect(n).toBe(3);
    expect(delays).toEqual([1000, 2000]);
    expect(trace(run.events, ["step.started", "step.attempt.failed", "step.succeeded"])).toEqual([
      "step.started revs a",
      "step.attempt.failed revs a",
      "step.started revs a",
      "step.attempt.failed revs a",
      "step.started revs a",
      "step.succeeded revs a",
    ]);
  });

  it("never re-runs a non-idempotent step whose outcome is unknown: it becomes uncertain and the run exits 4", async () => {
    const rb = runbook("r", { steps: [{ id: "a", local: { run: "do a" }, retry: { attempts: 5, delay: "1s" } }, { id: "b", local: { run: "do b" } }] });
    const est = estate([{ id: "revs" }]);
    let n = 0;
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal(() => {
        n++;
        throw new ConnectionLostError("connection dropped mid-command");
      }),
    });
    expect(n).toBe(1);
    expect(run.exitCode).toBe(4);
    expect(run.state.apps.get("revs")!.steps.get("a")!.status).toBe("uncertain");
    const u = run.events.find((e) => e.type === "step.uncertain");
    expect(u && "inspect" in u ? u.inspect : "").toContain("--step-done a");
  });

  it("retries an idempotent step whose outcome is unknown", async () => {
    const rb = runbook("r", { steps: [{ id: "a", local: { run: "do a" }, idempotent: true, retry: { attempts: 2, delay: "1s" } }] });
    const est = estate([{ id: "revs" }]);
    let n = 0;
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal(() => {
        if (++n === 1) throw new ConnectionLostError("dropped");
        return {};
      }),
    });
    expect(n).toBe(2);
    expect(run.exitCode).toBe(0);
  });

  it("asks the check probe when a non-idempotent step's outcome is unknown", async () => {
    const rb = runbook("r", {
      steps: [{ id: "a", local: { run: "do a" }, check: { local: { run: "check a" } }, retry: { attempts: 2, delay: "1s" } }],
    });
    const est = estate([{ id: "revs" }]);
    const did = 0;
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        if (cmd === "check a") {
          if (did > 0) return {};
          throw new CommandFailedError("not there", { exitCode: 1 });
        }
        throw new ConnectionLostError("dropped before it ran"); // never took effect
      }),
    });
    // check said "not in effect" → safe to retry; the second attempt also dropped → fails for good
    expect(trace(run.events, ["step.started", "step.checked", "step.failed"])).toEqual([
      "step.started revs a",
      "step.checked revs a",
      "step.started revs a",
      "step.checked revs a",
      "step.failed revs a",
    ]);
    expect(run.exitCode).toBe(1);
  });

  it("runs the failed step's own rollback only when the step is idempotent and may have changed something", async () => {
    const rb = runbook("r", {
      steps: [
        { id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } },
        { id: "b", local: { run: "do b" }, idempotent: true, rollback: { local: { run: "undo b" } } },
      ],
    });
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        seen.push(cmd);
        if (cmd === "do b") throw new CommandFailedError("half done", { exitCode: 2 });
        return {};
      }),
    });
    expect(seen).toEqual(["do a", "do b", "undo b", "undo a"]);

    const seen2: string[] = [];
    await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        seen2.push(cmd);
        if (cmd === "do b") throw new UnreachableError("refused"); // nothing ran
        return {};
      }),
    });
    expect(seen2).toEqual(["do a", "do b", "undo a"]);
  });

  it("runs no step when a precheck fails, and reports every failed precheck", async () => {
    const rb = runbook("r", {
      precheck: [
        { id: "p1", local: { run: "probe 1" } },
        { id: "p2", local: { run: "probe 2" } },
      ],
      steps: [{ id: "a", local: { run: "do a" } }],
    });
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        seen.push(cmd);
        throw new ActionError("probe-failed", `${cmd} said no`, { outcome: "failed" });
      }),
    });
    expect(seen).toEqual(["probe 1", "probe 2"]);
    expect(run.exitCode).toBe(1);
    const fin = run.events.find((e) => e.type === "app.finished");
    expect(fin && "reason" in fin ? fin.reason : "").toMatch(/p1: probe 1 said no; p2: probe 2 said no/);
  });

  it("runs a DAG: independent steps together, dependants after their needs", async () => {
    const rb = runbook("dag", {
      steps: [
        { id: "a", local: { run: "a" } },
        { id: "b", local: { run: "b" }, needs: ["a"] },
        { id: "c", local: { run: "c" }, needs: ["a"] },
        { id: "d", local: { run: "d" }, needs: ["b", "c"] },
      ],
    });
    const est = estate([{ id: "revs" }]);
    let active = 0;
    let peak = 0;
    const order: string[] = [];
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal(async (cmd) => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setImmediate(r));
        order.push(cmd);
        active--;
        return {};
      }),
    });
    expect(run.exitCode).toBe(0);
    expect(peak).toBe(2);
    expect(order[0]).toBe("a");
    expect(order[3]).toBe("d");
  });

  it("passes step outputs to later steps, quoted, and never re-templates them", async () => {
    const rb = runbook("r", {
      steps: [
        { id: "a", local: { run: "emit", json: true } },
        { id: "b", local: { run: "use {{ steps.a.outputs.stdout }} {{ steps.a.outputs.name }}" } },
      ],
    });
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        seen.push(cmd);
        return cmd === "emit" ? { stdout: "{{ env.HOME }}; rm -rf /", json: { name: "x'y" } } : {};
      }),
    });
    expect(seen[1]).toBe(`use '{{ env.HOME }}; rm -rf /' 'x'\\''y'`);
  });

  it("stops starting applications once the failure budget is exhausted; running ones finish", async () => {
    const rb = runbook("r", { steps: [{ id: "a", local: { run: "do {{ app.id }}" } }] });
    const est = estate(Array.from({ length: 6 }, (_, i) => ({ id: `app${i}` })));
    const started: string[] = [];
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        started.push(cmd);
        if (cmd === "do 'app0'" || cmd === "do 'app1'") throw new UnreachableError("no route to host", { transient: false });
        return {};
      }),
    }, { concurrency: 1, budget: { kind: "count", count: 1 } });
    expect(started).toEqual(["do 'app0'", "do 'app1'"]);
    expect(run.exitCode).toBe(1);
    expect([...run.state.apps.values()].map((a) => a.status)).toEqual(["failed", "failed", "skipped", "skipped", "skipped", "skipped"]);
  });

  it("keeps per-site and per-host limits", async () => {
    const rb = runbook("r", { steps: [{ id: "a", local: { run: "{{ app.id }}" } }] });
    const est = estate([
      { id: "a1", hosts: ["nbc-app01"] },
      { id: "a2", hosts: ["nbc-app01"] },
      { id: "a3", hosts: ["nbc-app02"] },
      { id: "b1", hosts: ["ddc-app01"] },
      { id: "b2", hosts: ["ddc-app01"] },
    ]);
    const site = (id: string) => (id.startsWith("a") ? "guildhall" : "abbey");
    const active = new Map<string, number>();
    const peakSite = new Map<string, number>();
    let peakHost01 = 0;
    let host01 = 0;
    await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal(async (quoted) => {
        const cmd = quoted.replaceAll("'", "");
        const s = site(cmd);
        active.set(s, (active.get(s) ?? 0) + 1);
        peakSite.set(s, Math.max(peakSite.get(s) ?? 0, active.get(s)!));
        if (cmd === "a1" || cmd === "a2") peakHost01 = Math.max(peakHost01, ++host01);
        await new Promise((r) => setTimeout(r, 5));
        if (cmd === "a1" || cmd === "a2") host01--;
        active.set(s, active.get(s)! - 1);
        return {};
      }),
    }, { concurrency: 10, perSite: 2, perHost: 1 });
    expect(peakSite.get("guildhall")).toBe(2);
    expect(peakHost01).toBe(1);
    expect(peakSite.get("abbey")).toBe(1);
  });

  it("fails a verify gate that never reaches its consecutive successes and rolls back", async () => {
    const rb = runbook("r", {
      steps: [{ id: "a", local: { run: "do a" }, rollback: { local: { run: "undo a" } } }],
      verify: [{ id: "healthy", local: { run: "probe" }, consecutive: 2, interval: "1s", within: "10s" }],
    });
    const est = estate([{ id: "revs" }]);
    const seen: string[] = [];
    const run = await runWith(prepareAll(est, rb), est, {
      local: scriptedLocal((cmd) => {
        seen.push(cmd);
        if (cmd === "probe") throw new ActionError("probe-failed", "503", { outcome: "failed", transient: true });
        return {};
      }),
    });
    expect(run.exitCode).toBe(1);
    expect(seen.at(-1)).toBe("undo a");
    expect(run.state.apps.get("revs")!.status).toBe("rolled-back");
  });
});
