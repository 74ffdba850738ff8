/**
 * Signed approvals, a signed gate release and the evidence bundle, as users run them: the built
 * CLI, keys made here with `ssh-keygen`, a real `ssh-agent`, a run that waits at its gate, then
 * `ferry evidence` and `ferry verify`, and a bundle whose journal was edited with its hash chain
 * recomputed.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordSum } from "../../src/journal/record.js";
import { ferryIn, runIdOf, runProject } from "./run-project.js";

const keys = mkdtempSync(join(tmpdir(), "ferry-keys-"));
function key(name: string): string {
  const f = join(keys, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", f]);
  return f;
}
const pub = (f: string) => readFileSync(`${f}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
const fingerprint = (f: string) => execFileSync("ssh-keygen", ["-l", "-f", `${f}.pub`], { encoding: "utf8" }).split(" ")[1]!;

let dir: string;
let plan: string;
let runId: string;
let bundle: string;
let cab: string, op: string, gina: string;
let agent: { pid: number; env: NodeJS.ProcessEnv };

beforeAll(async () => {
  [cab, op, gina] = ["cab", "op", "gina"].map(key) as [string, string, string];
  const sock = join(mkdtempSync(join(tmpdir(), "ferry-agent-")), "agent.sock");
  const out = execFileSync("ssh-agent", ["-s", "-a", sock], { encoding: "utf8" });
  agent = { pid: Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]), env: { SSH_AUTH_SOCK: sock } };
  execFileSync("ssh-add", ["-q", gina], { env: { ...process.env, SSH_AUTH_SOCK: sock } });

  dir = runProject([{ id: "gated", runbook: "gated" }], {
    gated: `steps:
  - id: s1
    local: { run: "echo s1 >> ledger" }
    rollback: { local: { run: "echo undo >> ledger" } }
  - id: cab-go
    approval: { message: "go ahead with the cutover?" }
  - id: s2
    local: { run: "echo s2 >> ledger" }
`,
  });
  const sites = join(dir, "estate", "sites.yaml");
  writeFileSync(sites, readFileSync(sites, "utf8").replace(/changeControl: .*\n/, "changeControl: { requireApproval: true, requireSignedApprovals: true, approvers: [cab] }\n"));
  mkdirSync(join(dir, "approvals"));
  // The operator's key also carries a second name: four eyes must still see it is theirs.
  writeFileSync(join(dir, "approvals", "allowed_signers"), `j.smith,cab ${pub(cab)}\noperator,ops-lead ${pub(op)}\ngina ${pub(gina)}\n`);
  plan = join(dir, "plans", "p.json");
  const p = await ferryIn(dir, ["plan", "--out", plan]);
  expect(p.code, p.stderr).toBe(0);
}, 60_000);
afterAll(() => process.kill(agent.pid));

describe("signed approvals, gates and evidence (end to end)", () => {
  it("refuses to run on an unsigned approval, runs on a signed one, and releases the gate only with another person's key", async () => {
    const unsigned = join(dir, "approvals", `${JSON.parse(readFileSync(plan, "utf8")).hash.slice(7)}-wave-1.yaml`);
    writeFileSync(unsigned, `apiVersion: ferry/v1\nkind: Approval\nplan: ${JSON.parse(readFileSync(plan, "utf8")).hash}\nwave: 1\napprovedBy: alice\nchangeRef: CHG1\napprovedAt: 1999-01-01T00:00:00Z\n`);
    const refused = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("is not signed, and change control requires signed approvals");

    const a = await ferryIn(dir, ["approve", "--plan", plan, "--wave", "1", "--by", "j.smith", "--ref", "CHG0001", "--key", cab, "--force"]);
    expect(a.code, a.stderr).toBe(0);
    expect(a.stdout).toContain(`signed with ${fingerprint(cab)}`);
    const dry = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1", "--dry-run"]);
    expect(dry.code, dry.stderr + dry.stdout).toBe(0);
    const r = await ferryIn(dir, ["run", "--plan", plan, "--wave", "1"]);
    expect(r.code, r.stderr + r.stdout).toBe(4);
    runId = runIdOf(r);

    const gate = (args: string[], env: NodeJS.ProcessEnv = {}) => ferryIn(dir, ["gate", "approve", runId, "--app", "gated", "--step", "cab-go", ...args], { SSH_AUTH_SOCK: "", ...env });
    const own = await gate(["--by", "ops-lead", "--key", op]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain(`key ${fingerprint(op)} is a key of operator, who started run ${runId}: it cannot release the run's own gate, under any name`);
    const unsignedGate = await gate(["--by", "gina"]);
    expect(unsignedGate.code).toBe(2);
    expect(unsignedGate.stderr).toContain("no --key given, and no ssh-agent is running");
    const ok = await gate(["--by", "gina"], agent.env);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain(`approved by gina, signed with ${fingerprint(gina)}`);
    const done = await ferryIn(dir, ["resume", runId]);
    expect(done.code, done.stderr + done.stdout).toBe(0);
  }, 120_000);

  it("writes a signed bundle that ferry verify passes, check by check", async () => {
    bundle = join(dir, "evidence", "wave-1.tar.gz");
    const e = await ferryIn(dir, ["evidence", runId, "--out", bundle, "--by", "operator", "--key", op]);
    expect(e.code, e.stderr).toBe(0);
    for (const kind of ["plan", "approval", "allowed-signers", "dry-run", "journal", "log", "heads", "runbook"]) expect(e.stdout).toMatch(new RegExp(`^  ${kind} `, "m"));
    const v = await ferryIn(dir, ["verify", bundle]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    for (const check of ["archive", "manifest signature", "hashes", "journal chain", "journal head", "recorded head", "plan", "approvals complete", "gate gated/cab-go", "run matches approval", "dry run"]) {
      expect(v.stdout).toMatch(new RegExp(`^✓ ${check}: `, "m"));
    }
    expect(v.stdout).toContain(`released by gina with ${fingerprint(gina)}, not the operator's key`);
  }, 60_000);

  /** Unpack the bundle, let `edit` change files under its top folder, pack it again. */
  async function tampered(name: string, edit: (top: string) => void): Promise<string> {
    const work = mkdtempSync(join(tmpdir(), "ferry-tamper-"));
    await tar.x({ file: bundle, cwd: work });
    const top = readdirSync(work)[0]!;
    edit(join(work, top));
    const out = join(dir, "evidence", name);
    await tar.c({ gzip: true, file: out, cwd: work }, [top]);
    return out;
  }
  /** Edit the journal's step record and recompute every sum after it, as a careful forger would. */
  function forgeJournal(file: string): void {
    const records = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const s2 = records.find((r) => r.event.type === "step.succeeded" && r.event.step === "s2");
    s2.event.via = "check";
    let prev = records[0].prev;
    for (const r of records) {
      r.prev = prev;
      r.sum = recordSum(r);
      prev = r.sum;
    }
    writeFileSync(file, records.map((r) => JSON.stringify({ event: r.event, prev: r.prev, seq: r.seq, ts: r.ts, sum: r.sum })).join("\n") + "\n");
  }

  it("detects a journal edited with its hash chain recomputed, against the signed manifest's head", async () => {
    const sha = (f: string) => execFileSync("sha256sum", [f], { encoding: "utf8" }).split(" ")[0]!;
    // The forger also fixes the journal's hash and size in the manifest, so only the signed head and signature can tell.
    const forged = await tampered("forged.tar.gz", (top) => {
      forgeJournal(join(top, "run", "journal.ndjson"));
      const m = JSON.parse(readFileSync(join(top, "manifest.json"), "utf8"));
      const j = m.files.find((f: { kind: string }) => f.kind === "journal");
      j.sha256 = sha(join(top, "run", "journal.ndjson"));
      j.bytes = readFileSync(join(top, "run", "journal.ndjson")).length;
      writeFileSync(join(top, "manifest.json"), JSON.stringify(m, null, 2) + "\n");
    });
    const v = await ferryIn(dir, ["verify", forged]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^✓ hashes: /m);
    expect(v.stdout).toMatch(/^✓ journal chain: /m);
    expect(v.stdout).toMatch(/^✗ journal head: the journal ends at \d+:[0-9a-f]{64}, but the signed manifest records \d+:[0-9a-f]{64}: the journal was edited/m);
    expect(v.stdout).toMatch(/^✗ manifest signature: manifest\.json: the signature \(key SHA256:\S+\) does not match the content/m);
    expect(v.stderr).toContain("check(s) failed [evidence-invalid]");

    const plain = await tampered("edited.tar.gz", (top) => forgeJournal(join(top, "run", "journal.ndjson")));
    const w = await ferryIn(dir, ["verify", plain, "--json"]);
    expect(w.code).toBe(1);
    const checks = JSON.parse(w.stdout).checks as { check: string; ok: boolean; detail: string }[];
    expect(checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(["hashes", "journal head"]);
  }, 60_000);

  it("refuses a tampered approval in the bundle and an untrusted manifest key", async () => {
    const edited = await tampered("approval.tar.gz", (top) => {
      const d = join(top, "approvals");
      const f = readdirSync(d).find((n) => n.endsWith(".yaml"))!;
      writeFileSync(join(d, f), readFileSync(join(d, f), "utf8").replace("CHG0001", "CHG9999"));
    });
    const v = await ferryIn(dir, ["verify", edited]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^✗ approval approvals\/[0-9a-f]{64}-wave-1\.yaml: approvals\/[0-9a-f]{64}-wave-1\.yaml: the signature .* does not match the content/m);
    const auditor = join(dir, "auditor_signers");
    writeFileSync(auditor, `j.smith,cab ${pub(cab)}\ngina ${pub(gina)}\n`);
    const u = await ferryIn(dir, ["verify", bundle, "--allowed-signers", auditor]);
    expect(u.code).toBe(1);
    expect(u.stdout).toMatch(/^✗ manifest signature: manifest\.json: signed with key SHA256:\S+, which .*auditor_signers does not list/m);
  }, 60_000);

  it("will not bundle a run whose journal no longer reaches the head recorded when it finished", async () => {
    forgeJournal(join(dir, ".ferry", "runs", runId, "journal.ndjson"));
    const e = await ferryIn(dir, ["evidence", runId, "--out", join(dir, "evidence", "again.tar.gz"), "--by", "operator", "--key", op]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain("but heads.ndjson recorded");
    const j = await ferryIn(dir, ["evidence", runId, "--out", join(dir, "evidence", "again.tar.gz"), "--by", "operator", "--key", op, "--json"]);
    expect(JSON.parse(j.stdout).error.code).toBe("journal-head-mismatch");
  }, 60_000);
});
