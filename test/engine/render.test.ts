import { mkdtempSync, readFileSync, existsSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { shellQuote } from "../../src/actions/shell-quote.js";
import { PrepareError } from "../../src/engine/prepare.js";
import { renderFor } from "../../src/engine/render.js";
import { estate, prepareAll, realActions, runbook, runWith } from "./helpers.js";

const HOSTILE = [
  "; touch PWNED",
  "$(touch PWNED)",
  "`touch PWNED`",
  `it's "quoted" \\ back`,
  "line one\nline two; touch PWNED",
  "-rf",
  "--help",
  "*",
  "~",
  "a b\tc",
  "\u202Egnp.exe",
  "{{ env.HOME }}",
  "",
];

describe("shell quoting", () => {
  it("quotes any value as one word", () => {
    expect(shellQuote("x; rm -rf /")).toBe("'x; rm -rf /'");
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote("")).toBe("''");
  });

  it("rejects NUL, which no command line can carry", () => {
    expect(() => shellQuote("a\0b")).toThrow(/NUL/);
  });

  it("delivers hostile values byte-exact to a real shell, and nothing they contain runs", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-quote-"));
    const rb = runbook("hostile", {
      inputs: { value: { type: "string" }, out: { type: "string" } },
      steps: [{ id: "write", local: { run: "printf %s {{ value }} > {{ out }}", cwd: dir } }],
    });
    const est = estate(HOSTILE.map((value, i) => ({ id: `h${i}`, params: { value, out: join(dir, `out-${i}`) } })));
    const run = await runWith(prepareAll(est, rb), est, realActions(), { concurrency: 4 });
    expect(run.exitCode).toBe(0);
    HOSTILE.forEach((value, i) => {
      expect(readFileSync(join(dir, `out-${i}`), "utf8")).toBe(value);
    });
    expect(existsSync(join(dir, "PWNED"))).toBe(false);
    expect(readdirSync(dir).filter((f) => !f.startsWith("out-"))).toEqual([]);
  });

  it("refuses a value with a NUL byte before anything runs", () => {
    const rb = runbook("nul", { inputs: { value: { type: "string" } }, steps: [{ id: "s", local: { run: "echo {{ value }}" } }] });
    const est = estate([{ id: "revs", params: { value: "a\0b" } }]);
    expect(() => prepareAll(est, rb)).toThrow(/NUL/);
  });
});

describe("template resolution", () => {
  it("names the runbook, application, step and path of an unresolved lookup before anything runs", () => {
    const rb = runbook("rehost-vm", {
      inputs: { target: { type: "host" } },
      steps: [
        { id: "stop-source", local: { run: "systemctl stop {{ target.adress }}" } },
        { id: "sync", local: { run: "echo {{ steps.later.outputs.stdout }}" } },
        { id: "later", local: { run: "echo {{ env.FERRY_TEST_UNSET_VAR }}" } },
      ],
    });
    const est = estate([{ id: "revs", params: { target: "nbc-app02" } }]);
    let err: unknown;
    try {
      prepareAll(est, rb, {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PrepareError);
    const msg = (err as Error).message;
    expect(msg).toContain('runbook rehost-vm, application revs, step stop-source: local.run: {{ target.adress }} names nothing: target has no "adress"');
    expect(msg).toContain("step sync: local.run: {{ steps.later.outputs.stdout }} refers to step \"later\", which does not run before this point");
    expect(msg).toContain('step later: local.run: {{ env.FERRY_TEST_UNSET_VAR }} names nothing: env has no "FERRY_TEST_UNSET_VAR"');
  });

  it("resolves inputs from params, then templated defaults, and host inputs to estate records", () => {
    const rb = runbook("r", {
      inputs: {
        source: { type: "host", default: "{{ app.hosts.0.id }}" },
        target: { type: "host" },
        service: { type: "string", default: "{{ app.id }}" },
        port: { type: "number", default: 8080 },
      },
      steps: [{ id: "s", local: { run: "x {{ source.address }} {{ inputs.target.address }} {{ service }} {{ port }} {{ app.site.id }}" } }],
    });
    const est = estate([{ id: "revs", params: { target: "ddc-app01" } }]);
    const [p] = prepareAll(est, rb);
    expect((p!.values.source as { id: string }).id).toBe("nbc-app01");
    expect((p!.values.target as { address: string }).address).toBe("127.0.0.3");
    expect(p!.values.service).toBe("revs");
    expect(p!.values.port).toBe(8080);
  });

  it("says which param is missing and where to add it", () => {
    const rb = runbook("r", { inputs: { target: { type: "host" } }, steps: [{ id: "s", local: { run: "x" } }] });
    const est = estate([{ id: "revs" }]);
    expect(() => prepareAll(est, rb)).toThrow(/input "target" has no value: add params.target to application revs/);
  });

  it("refuses a record where a value is needed, with the fix", () => {
    const rb = runbook("r", { inputs: { target: { type: "host", default: "nbc-app01" } }, steps: [{ id: "s", local: { run: "ssh {{ target }}" } }] });
    expect(() => prepareAll(estate([{ id: "revs" }]), rb)).toThrow(/write \{\{ target.id \}\} or \{\{ target.address \}\}/);
  });
});

describe("renderFor", () => {
  it("renders a step's spec and command from the application's scope, with no step outputs before the run", () => {
    const rb = runbook("r", {
      inputs: { svc: { type: "string", default: "nginx" } },
      steps: [
        { id: "ver", local: { run: "echo 1", json: true } },
        { id: "stop", local: { run: "systemctl stop {{ svc }} {{ steps.ver.outputs.json.v }}" } },
      ],
    });
    const [app] = prepareAll(estate([{ id: "a" }]), rb);
    const stop = app!.steps[1]!.action;
    expect(renderFor(app!, stop).command).toBe("systemctl stop 'nginx' ''");
    expect(renderFor(app!, stop, new Map([["ver", { json: { v: 2 } }]])).command).toBe("systemctl stop 'nginx' '2'");
  });
});
