/**
 * Signed approvals against real OpenSSH: keys made here with `ssh-keygen`, an allowed_signers
 * and revoked_keys written here, a real `ssh-agent` for the agent path. Each way an approval can
 * be wrong is refused with a message naming the file and what to do.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { approvalSignedText } from "../../src/model/approval.js";
import { planWaves, serializePlan } from "../../src/planner/index.js";
import { approvalPath, approvalPolicy, approveWave, checkWaveApproval } from "../../src/runs/approval.js";
import { loadValidProjectQuietly } from "../../src/runs/context.js";
import { prepareWave } from "../../src/runs/prepare.js";
import { readPlanFile } from "../../src/model/plan-file.js";
import { parseSignature, signMessage } from "../../src/journal/ssh-signature.js";
import { runProject } from "../cli/run-project.js";
import { refusal } from "../helpers/refusal.js";

const keys = mkdtempSync(join(tmpdir(), "ferry-keys-"));
/** A fresh ed25519 key pair; returns the private key file. */
function key(name: string): string {
  const f = join(keys, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", f]);
  return f;
}
const pub = (f: string) => readFileSync(`${f}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
const fingerprint = (f: string) => execFileSync("ssh-keygen", ["-l", "-f", `${f}.pub`], { encoding: "utf8" }).split(" ")[1]!;

let alice: string, bob: string, carol: string, dave: string, erin: string, nina: string;
let agent: { pid: number; sock: string } | undefined;

beforeAll(() => {
  [alice, bob, carol, dave, erin, nina] = ["alice", "bob", "carol", "dave", "erin", "nina"].map(key) as [string, string, string, string, string, string];
});
afterAll(() => {
  if (agent) process.kill(agent.pid);
});

let dir: string;
let plan: string;
const env = { PATH: process.env.PATH };
const marker = `steps:\n  - id: move\n    local: { run: "true" }\n`;

/** A project whose change control requires signed approvals by the `cab` role. */
async function project(changeControl: string, apps = [{ id: "billing", runbook: "plain" }], extraEstate = ""): Promise<void> {
  dir = runProject(apps, { plain: marker });
  const sites = join(dir, "estate", "sites.yaml");
  writeFileSync(sites, readFileSync(sites, "utf8").replace(/changeControl: .*\n/, `changeControl: ${changeControl}\n`) + extraEstate);
  mkdirSync(join(dir, "approvals"), { recursive: true });
  writeFileSync(
    join(dir, "approvals", "allowed_signers"),
    [
      `# principals, options, key`,
      `alice@wnc,cab ${pub(alice)}`,
      `carol@wnc,cab valid-before="20200101" ${pub(carol)}`,
      `dave@wnc,cab ${pub(dave)}`,
      `erin@wnc ${pub(erin)}`,
      `nina@nnc,nnc-cab ${pub(nina)}`,
      "",
    ].join("\n"),
  );
  writeFileSync(join(dir, "approvals", "revoked_keys"), `# compromised 2026-11-30\n${pub(dave)}\n`);
  plan = join(dir, "plans", "p.json");
  mkdirSync(join(dir, "plans"), { recursive: true });
  writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
}

const ctx = () => ({ dir, stateDir: join(dir, ".ferry"), operator: "operator", env });
/** Write a hand-made (or re-signed) approval for wave 1. */
function handMade(fields: Record<string, unknown>): string {
  const file = approvalPath(dir, JSON.parse(readFileSync(plan, "utf8")).hash, 1);
  mkdirSync(join(dir, "approvals"), { recursive: true });
  writeFileSync(file, stringify(fields));
  return file;
}
async function signedBy(keyFile: string, principal: string, namespace = "ferry-approval"): Promise<string> {
  const { plan: p } = await readPlanFile(plan);
  const a = { apiVersion: "ferry/v1", kind: "Approval", plan: p.hash, wave: 1, approvedBy: principal, changeRef: "CHG0001", approvedAt: new Date().toISOString(), inputsDigest: p.inputsDigest } as const;
  const sig = await signMessage(approvalSignedText(a), { namespace, key: keyFile, principal, allowedSigners: join(dir, "approvals", "allowed_signers"), env });
  return handMade({ ...a, signature: { key: sig.fingerprint, sshsig: sig.signature } });
}

describe("signed approvals (ssh-keygen, allowed_signers, revoked_keys)", () => {
  beforeEach(() => project("{ requireApproval: true, requireSignedApprovals: true, approvers: [cab] }"));

  it("signs with --key, names the key, and a run accepts it; ssh-keygen itself verifies the signature", async () => {
    const { file, approval } = await approveWave(ctx(), { plan, wave: 1, by: "alice@wnc", ref: "CHG0001", key: alice });
    expect(approval.signature?.key).toBe(fingerprint(alice));
    const prepared = await prepareWave(ctx(), { plan, wave: 1 });
    expect(prepared.approval).toMatchObject({ approvedBy: "alice@wnc", key: fingerprint(alice), role: "cab" });
    // The reference implementation agrees, on the same bytes.
    const sigFile = join(dir, "sig");
    writeFileSync(sigFile, approval.signature!.sshsig);
    const r = spawnSync("ssh-keygen", ["-Y", "verify", "-f", join(dir, "approvals", "allowed_signers"), "-I", "alice@wnc", "-n", "ferry-approval", "-s", sigFile], { input: approvalSignedText(parse(readFileSync(file, "utf8"))), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(parseSignature(approval.signature!.sshsig, file).namespace).toBe("ferry-approval");
  });

  it("refuses an approval edited after signing, naming the file and what to do", async () => {
    const { file } = await approveWave(ctx(), { plan, wave: 1, by: "alice@wnc", ref: "CHG0001", key: alice });
    writeFileSync(file, readFileSync(file, "utf8").replace("CHG0001", "CHG0002"));
    const err = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(err.code).toBe("signature-invalid");
    expect(err.message).toMatch(/approvals\/[0-9a-f]{64}-wave-1\.yaml: the signature \(key SHA256:\S+\) does not match the content: the file was changed after it was signed/);
    expect(err.hint).toContain("ferry approve --force");
  });

  it("refuses a key that allowed_signers does not list, and writes nothing", async () => {
    const err = await refusal(approveWave(ctx(), { plan, wave: 1, by: "bob@wnc", ref: "CHG0001", key: bob }));
    expect(err.code).toBe("signer-not-allowed");
    expect(err.message).toContain(`signed with key ${fingerprint(bob)}, which ${join(dir, "approvals", "allowed_signers")} does not list`);
    expect(existsSync(approvalPath(dir, JSON.parse(readFileSync(plan, "utf8")).hash, 1))).toBe(false);
    await signedBy(bob, "bob@wnc");
    const run = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(run.code).toBe("signer-not-allowed");
    expect(run.message).toMatch(/-wave-1\.yaml: signed with key .* does not list/);
  });

  it("refuses a key listed in revoked_keys although allowed_signers still lists it", async () => {
    await signedBy(dave, "dave@wnc");
    const err = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(err.code).toBe("signer-not-allowed");
    expect(err.message).toContain(`signed with key ${fingerprint(dave)}, which ${join(dir, "approvals", "revoked_keys")} revokes`);
    expect(err.hint).toContain("current key");
  });

  it("refuses a key past its valid-before", async () => {
    await signedBy(carol, "carol@wnc");
    const err = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(err.code).toBe("signer-not-allowed");
    expect(err.message).toMatch(/key SHA256:\S+ of carol@wnc expired on 2020-01-01T\d\d:00:00\.000Z \(valid-before\) in .*allowed_signers:3/);
  });

  it("refuses a signature made for another namespace", async () => {
    await signedBy(alice, "alice@wnc", "git");
    const err = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(err.code).toBe("signature-invalid");
    expect(err.message).toContain('the signature was made for namespace "git", not "ferry-approval"');
  });

  it("refuses a signer without the role change control requires, and a name the key is not listed for", async () => {
    const role = await refusal(approveWave(ctx(), { plan, wave: 1, by: "erin@wnc", ref: "CHG0001", key: erin }));
    expect(role.code).toBe("signer-not-allowed");
    expect(role.message).toContain("erin@wnc (key");
    expect(role.message).toContain("does not hold the role change control requires (cab)");
    const name = await refusal(approveWave(ctx(), { plan, wave: 1, by: "alice@wnc", ref: "CHG0001", key: erin }));
    expect(name.message).toContain(`it names alice@wnc, but`);
    expect(name.message).toContain(`lists key ${fingerprint(erin)} for erin@wnc`);
  });

  it("refuses unsigned approvals (the hand-made 1999 one included) where signed approvals are required", async () => {
    const { plan: p } = await readPlanFile(plan);
    handMade({ apiVersion: "ferry/v1", kind: "Approval", plan: p.hash, wave: 1, approvedBy: "alice", changeRef: "CHG1", approvedAt: "1999-01-01T00:00:00Z" });
    const err = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(err.code).toBe("approval-unsigned");
    expect(err.message).toMatch(/-wave-1\.yaml is not signed, and change control requires signed approvals/);
    const none = await refusal(approveWave({ ...ctx(), env: { PATH: process.env.PATH } }, { plan, wave: 1, by: "alice@wnc", ref: "CHG0001", force: true }));
    expect(none.code).toBe("signing-failed");
    expect(none.hint).toContain("--key");
  });

  it("signs with the key a real ssh-agent holds for --by, without --key", async () => {
    const sock = join(mkdtempSync(join(tmpdir(), "ferry-agent-")), "agent.sock");
    const out = execFileSync("ssh-agent", ["-s", "-a", sock], { encoding: "utf8" });
    agent = { pid: Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]), sock };
    const agentEnv = { PATH: process.env.PATH, SSH_AUTH_SOCK: sock };
    execFileSync("ssh-add", ["-q", bob, alice], { env: agentEnv });
    const { approval } = await approveWave({ ...ctx(), env: agentEnv }, { plan, wave: 1, by: "alice@wnc", ref: "CHG0001" });
    expect(approval.signature?.key).toBe(fingerprint(alice));
    expect((await prepareWave({ ...ctx(), env: agentEnv }, { plan, wave: 1 })).approval?.key).toBe(fingerprint(alice));
    const nobody = await refusal(approveWave({ ...ctx(), env: agentEnv }, { plan, wave: 1, by: "nina@nnc", ref: "CHG0001", force: true }));
    expect(nobody.code).toBe("signing-failed");
    expect(nobody.message).toContain("none of the 2 key(s) in your ssh-agent is listed for nina@nnc");
  });
});

describe("approvals by organisation", () => {
  const orgs = `organisations:
  - { id: wnc, name: West Northamptonshire Council }
  - { id: nnc, name: North Northamptonshire Council }
`;
  beforeEach(async () => {
    await project("{ requireApproval: true, requireSignedApprovals: true, approvers: [cab], organisations: { nnc: { approvers: [nnc-cab] } } }", [{ id: "billing", runbook: "plain" }, { id: "payroll", runbook: "plain" }]);
    // nbc (successor wnc) owns billing; payroll is a shared service of wnc and nnc.
    const apps = join(dir, "estate", "apps.yaml");
    writeFileSync(
      apps,
      readFileSync(apps, "utf8")
        .replace("    name: billing\n", "    name: billing\n    organisation: nbc\n")
        .replace("    name: payroll\n", "    name: payroll\n    organisation: wnc\n    approvalFrom: [wnc, nnc]\n"),
    );
    const sites = join(dir, "estate", "sites.yaml");
    writeFileSync(sites, readFileSync(sites, "utf8").replace("organisations:\n  - { id: nbc, name: Northampton Borough Council }\n", `${orgs}  - { id: nbc, name: Northampton Borough Council, successor: wnc }\n`));
    writeFileSync(plan, serializePlan(planWaves(await loadValidProjectQuietly(dir))));
  });

  it("needs every involved organisation's signed approval, each from its own board's role", async () => {
    const project = await loadValidProjectQuietly(dir);
    const { plan: p } = await readPlanFile(plan);
    const policy = approvalPolicy(project, p.waves[0]!);
    expect(policy.organisations).toEqual(["nnc", "wnc"]); // nbc's approval comes from its successor
    expect(policy.roles).toEqual({ nnc: ["nnc-cab"], wnc: ["cab"] });

    const many = await refusal(approveWave(ctx(), { plan, wave: 1, by: "alice@wnc", ref: "CHG0001", key: alice }));
    expect(many.message).toContain("wave 1 involves nnc, wnc: each organisation's board approves it");
    const { file } = await approveWave(ctx(), { plan, wave: 1, organisation: "wnc", by: "alice@wnc", ref: "CHG0001", key: alice });
    expect(file).toMatch(/-wave-1-wnc\.yaml$/);
    const missing = await refusal(prepareWave(ctx(), { plan, wave: 1 }));
    expect(missing.code).toBe("approval-missing");
    expect(missing.message).toContain("has no change-board approval from nnc");
    expect(missing.hint).toContain("--org nnc");
    // alice is wnc's CAB, not nnc's.
    const wrongBoard = await refusal(approveWave(ctx(), { plan, wave: 1, organisation: "nnc", by: "alice@wnc", ref: "CHG0001", key: alice }));
    expect(wrongBoard.message).toContain("does not hold the role change control requires (nnc-cab)");
    await approveWave(ctx(), { plan, wave: 1, organisation: "nnc", by: "nina@nnc", ref: "NNC-77", key: nina });
    const prepared = await prepareWave(ctx(), { plan, wave: 1 });
    expect(prepared.approval?.approvals.map((a) => [a.organisation, a.approvedBy, a.key])).toEqual([
      ["nnc", "nina@nnc", fingerprint(nina)],
      ["wnc", "alice@wnc", fingerprint(alice)],
    ]);
  });

  it("refuses one key approving for two organisations", async () => {
    const signers = join(dir, "approvals", "allowed_signers");
    writeFileSync(signers, readFileSync(signers, "utf8").replace("alice@wnc,cab", "alice@wnc,cab,nnc-cab"));
    await approveWave(ctx(), { plan, wave: 1, organisation: "wnc", by: "alice@wnc", ref: "CHG0001", key: alice });
    await approveWave(ctx(), { plan, wave: 1, organisation: "nnc", by: "alice@wnc", ref: "CHG0001", key: alice });
    const err = await refusal(checkWaveApproval(dir, (await readPlanFile(plan)).plan, 1, approvalPolicy(await loadValidProjectQuietly(dir), (await readPlanFile(plan)).plan.waves[0]!), { env }));
    expect(err.code).toBe("signer-not-allowed");
    expect(err.message).toContain("each organisation's board approves with its own key");
  });
});
