/**
 * Issue 12, items 12, 13, 15 and 17 end to end through the built CLI: a secret in a failing
 * input is never printed (plain, `--json`, `--dry-run`); a secret straddling the 64 KiB output
 * cut leaves nothing in journal.ndjson or log.ndjson; a path from a value cannot leave the
 * project; a world-writable .ferry/known_hosts is refused even with `--state` elsewhere.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ferryIn, ledger, planAndApprove, runProject } from "./run-project.js";

const CANARY = "canary-Zq7xK2pLm9Wv4Rt8Yb3N"; // 26 characters
const LIMIT = 64 * 1024;
let dir: string;
let plan: string;

beforeAll(async () => {
  const app = (id: string, runbook: string, params?: Record<string, string>) => ({ id, runbook, ...(params ? { params } : {}) });
  dir = runProject(
    [
      app("typed", "typed"),
      app("chatty", "chatty"),
      app("upload", "upload", { src: "../../../../etc/hostname" }),
      app("cwd", "cwd", { dir: "/etc" }),
      app("remote", "remote"),
    ],
    {
      typed: `requires: { env: [DB_PASSWORD] }
inputs:
  port: { type: number, default: "{{ env.DB_PASSWORD }}" }
steps:
  - id: s
    local: { run: "echo {{ port }} >> ledger" }
`,
      chatty: `requires: { env: [DB_PASSWORD] }
steps:
  - id: dump
    local: { run: "head -c 1000 /dev/zero | tr '\\\\0' x; printf %s {{ env.DB_PASSWORD }}; head -c ${LIMIT - 16} /dev/zero | tr '\\\\0' y" }
`,
      upload: `inputs:
  src: { type: string }
steps:
  - id: s
    copy: { host: app01, from: "{{ src }}", to: /tmp/stolen }
`,
      cwd: `inputs:
  dir: { type: string }
steps:
  - id: s
    local: { run: "echo ran >> $LEDGER", cwd: "{{ dir }}" }
`,
      remote: `steps:
  - id: s
    ssh: { host: app01, run: "echo ran" }
`,
    },
  );
  plan = await planAndApprove(dir);
}, 60_000);

const run = (app: string, more: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--only", app, ...more], { DB_PASSWORD: CANARY, ...env });

/** Every file under `root`, as text. */
function allText(root: string): string {
  let out = "";
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) out += readFileSync(join(e.parentPath, e.name), "utf8");
  }
  return out;
}

function fragmentOf(text: string, secret: string, min = 6): string | undefined {
  for (let len = secret.length; len >= min; len--) {
    for (let i = 0; i + len <= secret.length; i++) if (text.includes(secret.slice(i, i + len))) return secret.slice(i, i + len);
  }
  return undefined;
}

describe("ferry run, end to end", () => {
  it("names the input whose secret default is not a number, and never prints the secret (plain, --json, --dry-run)", async () => {
    for (const more of [[], ["--json"], ["--dry-run"]]) {
      const r = await run("typed", more);
      const out = r.stdout + r.stderr;
      const message = more[0] === "--json" ? (JSON.parse(r.stdout) as { error: { message: string } }).error.message : out;
      expect(message, more.join(" ")).toMatch(/input "port" must be a number, got a value from the secret env\.DB_PASSWORD \(not shown\)/);
      expect(fragmentOf(out, CANARY), more.join(" ")).toBeUndefined();
      expect(r.code).toBe(2);
    }
    expect(ledger(join(dir, "ledger"))).toEqual([]);
  }, 60_000);

  it("leaves no piece of a secret straddling the 64 KiB cut in journal.ndjson or log.ndjson", async () => {
    const r = await run("chatty");
    expect(r.code, r.stderr).toBe(0);
    const state = allText(join(dir, ".ferry", "runs"));
    expect(state).toContain("yyyy");
    expect(fragmentOf(state, CANARY)).toBeUndefined();
    expect(fragmentOf(r.stdout + r.stderr, CANARY)).toBeUndefined();
  }, 60_000);

  it("refuses a copy whose `from` a param points at /etc/hostname, and a cwd a param makes /etc, before anything runs", async () => {
    const up = await run("upload");
    expect(up.code).toBe(2);
    expect(up.stdout + up.stderr).toMatch(/copy\.from: local path is "\.\.\/\.\.\/\.\.\/\.\.\/etc\/hostname", outside the project directory/);
    const json = await run("upload", ["--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: "path-outside-project" } });
    const led = join(dir, "cwd-ledger");
    const cwd = await run("cwd", [], { LEDGER: led });
    expect(cwd.code).toBe(2);
    expect(cwd.stdout + cwd.stderr).toMatch(/local\.cwd: local path is "\/etc"/);
    expect(ledger(led)).toEqual([]);
  }, 60_000);

  it("refuses a world-writable .ferry/known_hosts although --state points elsewhere, saying how to fix it", async () => {
    const state = mkdtempSync(join(tmpdir(), "ferry-state-"));
    mkdirSync(join(dir, ".ferry"), { recursive: true });
    const pin = join(dir, ".ferry", "known_hosts");
    writeFileSync(pin, "127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
    chmodSync(pin, 0o666);
    const r = await run("remote", ["--state", state]);
    const out = r.stdout + r.stderr;
    expect(r.code).not.toBe(0);
    expect(out).toContain(`The known_hosts file ${pin} is writable by group and others (mode 666)`);
    expect(out).toContain(`Fix: chmod 600 ${pin}`);
    chmodSync(pin, 0o600);
  }, 60_000);
});
