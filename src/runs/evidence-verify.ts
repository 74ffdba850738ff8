/**
 * `ferry verify F`: check an evidence bundle from the archive alone, against an allowed_signers
 * the auditor trusts. Every check is reported, pass or fail; nothing stops at the first failure.
 *
 * What is checked: the manifest's signature; every file's SHA-256 and size against the manifest
 * (and nothing in the archive that the manifest does not list); the journal's hash chain, and that
 * it ends exactly at the head the signed manifest records (an edited journal with a recomputed
 * chain fails here) and, where this machine has it, at the head heads.ndjson recorded; the plan's
 * own hash; every approval's signature, signer, role and organisation; every signed gate release
 * (never the operator's key); and that the run executed exactly the approved plan and wave with
 * the bundled runbooks.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar";
import { parseApproval } from "../model/approval-file.js";
import type { Approval } from "../model/approval.js";
import { approvalSignedText } from "../model/approval.js";
import type { RunEvent, RunStarted } from "../model/run-event.js";
import { verifyPlanHash } from "../planner/verify-plan.js";
import { verifyChain } from "../journal/record.js";
import { stateBackend, type StateRef } from "../state/index.js";
import type { JournalRecord } from "../journal/types.js";
import { APPROVAL_NAMESPACE, EVIDENCE_NAMESPACE, keysOf, verifySignature } from "../journal/ssh-signature.js";
import { allowedSignersPath, revokedKeysPath } from "./approval.js";
import { gateSignedText } from "./gate.js";
import { MANIFEST, MANIFEST_SIG, type EvidenceManifest } from "./evidence.js";

export interface EvidenceCheck {
  check: string;
  ok: boolean;
  detail: string;
}

export interface VerifyEvidenceOptions {
  /** The archive. */
  file: string;
  /** The allowed_signers to trust. @default `<dir>/approvals/allowed_signers` when it exists, else the bundle's own (reported) */
  allowedSigners?: string;
  /** Project directory (for its allowed_signers). */
  dir: string;
  /** State (a folder, or a team's database) whose recorded heads are compared, when it has the run. */
  stateDir?: StateRef;
  env: Readonly<Record<string, string | undefined>>;
}

/** The largest archive member read (a journal of a very long run fits easily). */
const MAX_ENTRY = 256 * 1024 * 1024;

async function readArchive(file: string): Promise<{ entries: Map<string, Buffer>; problems: string[] }> {
  const entries = new Map<string, Buffer>();
  const problems: string[] = [];
  await tar.list({
    file,
    strict: true,
    onReadEntry: (entry) => {
      const path = entry.path.replace(/^\.\//, "");
      if (entry.type === "Directory") return entry.resume();
      if (entry.type !== "File" || path.split("/").includes("..") || path.startsWith("/")) {
        problems.push(`unexpected ${entry.type} ${path}`);
        return entry.resume();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      entry.on("data", (c: Buffer) => {
        size += c.length;
        if (size <= MAX_ENTRY) chunks.push(c);
      });
      entry.on("end", () => {
        if (size > MAX_ENTRY) problems.push(`${path} is larger than ${MAX_ENTRY} bytes`);
        else if (entries.has(path)) problems.push(`${path} appears twice`);
        else entries.set(path, Buffer.concat(chunks));
      });
    },
  });
  return { entries, problems };
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/** Verify an evidence bundle; `ok` is false when any check failed. */
export async function verifyEvidence(opts: VerifyEvidenceOptions): Promise<{ ok: boolean; run?: string; checks: EvidenceCheck[] }> {
  const checks: EvidenceCheck[] = [];
  const report = (check: string, ok: boolean, detail: string) => void checks.push({ check, ok, detail });
  const done = (run?: string) => ({ ok: checks.every((c) => c.ok), ...(run ? { run } : {}), checks });

  let archive: Awaited<ReturnType<typeof readArchive>>;
  try {
    archive = await readArchive(opts.file);
  } catch (err) {
    report("archive", false, `${opts.file} is not a readable tar.gz: ${(err as Error).message}`);
    return done();
  }
  const tops = new Set([...archive.entries.keys()].map((p) => p.split("/")[0]!));
  const top = [...tops][0] ?? "";
  const inner = new Map([...archive.entries].map(([p, b]) => [p.slice(top.length + 1), b]));
  const manifestBytes = inner.get(MANIFEST);
  const sig = inner.get(MANIFEST_SIG);
  if (tops.size !== 1 || !manifestBytes || !sig || archive.problems.length) {
    report("archive", false, [tops.size !== 1 ? `expected one top folder, found ${tops.size}` : "", !manifestBytes ? `no ${MANIFEST}` : "", !sig ? `no ${MANIFEST_SIG}` : "", ...archive.problems].filter(Boolean).join("; "));
    return done();
  }
  report("archive", true, `${archive.entries.size} files under ${top}/`);
  let manifest: EvidenceManifest;
  try {
    manifest = JSON.parse(manifestBytes.toString("utf8")) as EvidenceManifest;
    if (manifest.kind !== "EvidenceManifest" || !Array.isArray(manifest.files)) throw new Error("not an evidence manifest");
  } catch (err) {
    report("manifest", false, `${MANIFEST} does not read: ${(err as Error).message}`);
    return done();
  }

  const scratch = await mkdtemp(join(tmpdir(), "ferry-verify-"));
  try {
    // The signers trusted: the auditor's, else the project's, else (said so) the bundle's own.
    const bundledSigners = inner.get("approvals/allowed_signers");
    let signers = opts.allowedSigners;
    let revoked: string | undefined;
    let trust: string;
    if (signers) trust = `trusting ${signers}`;
    else if (await stat(allowedSignersPath(opts.dir)).then(() => true, () => false)) {
      signers = allowedSignersPath(opts.dir);
      revoked = revokedKeysPath(opts.dir);
      trust = `trusting the project's ${signers}`;
    } else {
      signers = join(scratch, "allowed_signers");
      revoked = join(scratch, "revoked_keys");
      await writeFile(signers, bundledSigners ?? "");
      await writeFile(revoked, inner.get("approvals/revoked_keys") ?? "");
      trust = "trusting the bundle's own allowed_signers (pass --allowed-signers FILE to check against one you keep)";
    }
    const same = bundledSigners !== undefined && (await readFile(signers).then((b) => b.equals(bundledSigners), () => false));
    report("allowed_signers", true, `${trust}${bundledSigners ? (same ? "; the bundled copy is identical" : "; the bundled copy differs from it") : "; none bundled"}`);
    const verify = async (check: string, v: Parameters<typeof verifySignature>[0]) => {
      try {
        const who = await verifySignature(v);
        return who;
      } catch (err) {
        report(check, false, (err as Error).message);
        return undefined;
      }
    };

    const manifestSigner = await verify("manifest signature", {
      message: manifestBytes, signature: sig.toString("utf8"), namespace: EVIDENCE_NAMESPACE, file: MANIFEST,
      allowedSigners: signers, ...(revoked ? { revokedKeys: revoked } : {}), principal: manifest.signedBy, at: new Date(manifest.createdAt), env: opts.env,
    });
    if (manifestSigner) report("manifest signature", true, `signed by ${manifestSigner.principal} with ${manifestSigner.fingerprint} at ${manifest.createdAt}`);

    // Hashes: every listed file present and intact, nothing unlisted.
    const bad: string[] = [];
    for (const f of manifest.files) {
      const b = inner.get(f.path);
      if (!b) bad.push(`${f.path} is missing`);
      else if (sha256(b) !== f.sha256 || b.length !== f.bytes) bad.push(`${f.path} has sha256 ${sha256(b)}, the manifest says ${f.sha256}`);
    }
    const listed = new Set([MANIFEST, MANIFEST_SIG, ...manifest.files.map((f) => f.path)]);
    for (const p of inner.keys()) if (!listed.has(p)) bad.push(`${p} is not in the manifest`);
    report("hashes", bad.length === 0, bad.length ? bad.join("; ") : `${manifest.files.length} files match their SHA-256`);
    const byKind = (k: string) => manifest.files.filter((f) => f.kind === k).map((f) => ({ ...f, data: inner.get(f.path) ?? Buffer.alloc(0) }));

    // Journal: the chain, then the head the signed manifest (and heads.ndjson) recorded.
    const jdata = inner.get(manifest.journal?.path ?? "") ?? Buffer.alloc(0);
    let records: JournalRecord<RunEvent>[] = [];
    try {
      records = jdata.toString("utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as JournalRecord<RunEvent>);
      const chain = verifyChain(records);
      report("journal chain", chain.ok, chain.ok ? `${records.length} records, hash chain intact` : chain.break.message);
      const head = chain.head;
      const atHead = head.seq === manifest.journal.seq && head.sum === manifest.journal.sum && records.length === head.seq;
      report("journal head", atHead, atHead ? `ends at ${manifest.journal.head}, the head the signed manifest records` : `the journal ends at ${head.seq}:${head.sum}, but the signed manifest records ${manifest.journal.head}: the journal was edited (its chain recomputed) or cut`);
    } catch (err) {
      report("journal chain", false, `run/journal.ndjson does not read: ${(err as Error).message}`);
    }
    if (opts.stateDir) {
      const state = stateBackend(opts.stateDir);
      const local = (await state.recordedHeads(manifest.run).catch(() => [])).at(-1);
      const where = state.kind === "file" ? `${state.location}/${state.headsLocation}` : `${state.headsLocation} of ${state.location}`;
      if (local) {
        const same = local.seq === manifest.journal.seq && local.sum === manifest.journal.sum;
        report("recorded head", same, same ? `${where} records the same head` : `${where} records ${local.seq}:${local.sum} for run ${manifest.run}, the bundle ${manifest.journal.head}`);
      }
    }
    const started = records[0]?.event as RunStarted | undefined;

    // The plan.
    const plans = byKind("plan");
    let plan: { hash: string; waves: { number: number; applications: { id: string; runbook: string }[] }[] } | undefined;
    try {
      plan = JSON.parse(plans[0]?.data.toString("utf8") ?? "") as typeof plan;
      const h = verifyPlanHash(plan as unknown as Record<string, unknown>);
      const ok = plans.length === 1 && h.ok && h.recorded === manifest.plan;
      report("plan", ok, ok ? `${plans[0]!.path} verifies as ${manifest.plan}` : `${plans[0]?.path ?? "no plan"}: its content hashes to ${h.computed}, it records ${h.recorded}, the manifest says ${manifest.plan}`);
    } catch {
      report("plan", false, "the bundled plan is missing or not JSON");
    }

    // Approvals: signature, signer, role, organisation; one per organisation the policy named.
    const at = started ? new Date(started.at) : new Date(manifest.createdAt);
    const approvals: { file: string; a: Approval; key?: string }[] = [];
    for (const f of byKind("approval")) {
      let a: Approval;
      try {
        a = parseApproval(f.data.toString("utf8"), f.path);
      } catch (err) {
        report(`approval ${f.path}`, false, (err as Error).message);
        continue;
      }
      const wrong = a.plan !== manifest.plan ? `it approves plan ${a.plan}` : a.wave !== manifest.wave ? `it approves wave ${a.wave}` : undefined;
      if (wrong) {
        report(`approval ${f.path}`, false, `${wrong}, not plan ${manifest.plan} wave ${manifest.wave}`);
        continue;
      }
      if (!a.signature) {
        report(`approval ${f.path}`, !manifest.policy.signed, `unsigned (by ${a.approvedBy})${manifest.policy.signed ? ", and change control requires signed approvals" : ""}`);
        approvals.push({ file: f.path, a });
        continue;
      }
      const roles = manifest.policy.roles[a.organisation ?? ""];
      const who = await verify(`approval ${f.path}`, {
        message: approvalSignedText(a), signature: a.signature.sshsig, namespace: APPROVAL_NAMESPACE, file: f.path, allowedSigners: signers,
        ...(revoked ? { revokedKeys: revoked } : {}), principal: a.approvedBy, ...(roles ? { roles } : {}), at, env: opts.env,
      });
      if (who) {
        report(`approval ${f.path}`, true, `${a.organisation ? `${a.organisation}: ` : ""}${a.approvedBy}${who.role ? ` (${who.role})` : ""} with ${who.fingerprint}, ${a.changeRef}, ${a.approvedAt}`);
        approvals.push({ file: f.path, a, key: who.fingerprint });
      }
    }
    const orgs = manifest.policy.organisations;
    const missing = (orgs.length ? orgs : [undefined]).filter((o) => !approvals.some((x) => (x.a.organisation ?? undefined) === o));
    const keys = approvals.map((x) => x.key).filter(Boolean);
    const needed = manifest.policy.required || approvals.length > 0;
    const coverOk = (!needed || missing.length === 0) && new Set(keys).size === keys.length;
    report(
      "approvals complete",
      coverOk,
      coverOk
        ? needed ? `every organisation involved approved (${orgs.length ? orgs.join(", ") : "one approval"})` : "change control required no approval"
        : missing.length ? `no valid approval from ${missing.map((o) => o ?? "the board").join(", ")}` : "two organisations' approvals are signed with one key",
    );

    // Gate releases in the journal: signed ones verify, and never with the operator's key.
    if (started) {
      const operatorKeys = await keysOf(signers, started.operator);
      for (const r of records) {
        const e = r.event;
        if (e.type !== "gate.approved") continue;
        const name = `gate ${e.app}/${e.step}`;
        if (!e.signature || !e.signedAt) {
          report(name, !manifest.policy.signed, `released unsigned by ${e.by}${manifest.policy.signed ? ", and change control requires signed approvals" : ""}`);
          continue;
        }
        const who = await verify(name, {
          message: gateSignedText({ run: e.run, app: e.app, step: e.step, ...(e.planHash ? { planHash: e.planHash } : {}), by: e.by, signedAt: e.signedAt }),
          signature: e.signature, namespace: APPROVAL_NAMESPACE, file: `journal record ${r.seq}`, allowedSigners: signers, ...(revoked ? { revokedKeys: revoked } : {}), principal: e.by, at: new Date(e.signedAt), env: opts.env,
        });
        if (who && operatorKeys.has(who.fingerprint)) report(name, false, `released with ${who.fingerprint}, a key of the run's operator ${started.operator}`);
        else if (who) report(name, true, `released by ${e.by} with ${who.fingerprint}, not the operator's key`);
      }
    }

    // The run against the approved plan and wave, and the runbooks it pinned.
    const problems: string[] = [];
    if (!started || started.type !== "run.started") problems.push("the journal does not start with run.started");
    else {
      if (started.dryRun) problems.push("the journal is a dry run's");
      if (started.rehearsal) problems.push("the journal is a rehearsal's (against a test environment), not the approved wave's run");
      if (started.planHash !== manifest.plan) problems.push(`the run ran plan ${started.planHash}, the bundle approves ${manifest.plan}`);
      if (started.wave !== manifest.wave) problems.push(`the run ran wave ${started.wave}, the bundle approves wave ${manifest.wave}`);
      const w = plan?.waves.find((x) => x.number === manifest.wave);
      if (!w) problems.push(`the plan has no wave ${manifest.wave}`);
      const inWave = new Map((w?.applications ?? []).map((a) => [a.id, a.runbook]));
      for (const a of started.apps) {
        if (!inWave.has(a.app)) problems.push(`the run ran ${a.app}, which is not in wave ${manifest.wave}`);
        else if (inWave.get(a.app) !== a.runbook) problems.push(`the run ran ${a.app} with runbook ${a.runbook}, the plan says ${inWave.get(a.app)}`);
      }
      const ran = new Set(started.apps.map((a) => a.app));
      for (const r of records) if ("app" in r.event && !ran.has((r.event as { app: string }).app)) problems.push(`record ${r.seq} concerns ${(r.event as { app: string }).app}, which the run did not start`);
      const accepted = new Map<string, Set<string>>(Object.entries(started.runbooks).map(([n, d]) => [n, new Set([d])]));
      for (const r of records) if (r.event.type === "run.resumed") for (const c of r.event.acceptedChanges ?? []) accepted.get(c.runbook)?.add(c.to);
      const bundled = new Map(byKind("runbook").map((f) => [f.name ?? "", f.sha256]));
      for (const [name, digests] of accepted) if (!digests.has(bundled.get(name) ?? "")) problems.push(`runbook ${name}: the bundled file ${bundled.has(name) ? `has sha256 ${bundled.get(name)}` : "is missing"}, the run pinned ${[...digests].join(" or ")}`);
    }
    report("run matches approval", problems.length === 0, problems.length ? problems.slice(0, 10).join("; ") : `run ${manifest.run} ran ${started?.apps.length} application(s) of wave ${manifest.wave} of ${manifest.plan} with the bundled runbooks`);

    const dry = byKind("dry-run")[0];
    if (dry) {
      try {
        const d = JSON.parse(dry.data.toString("utf8")) as { plan?: string; wave?: number };
        const ok = d.plan === manifest.plan && d.wave === manifest.wave;
        report("dry run", ok, ok ? `${dry.path} is for this plan and wave` : `${dry.path} is for plan ${d.plan} wave ${d.wave}`);
      } catch {
        report("dry run", false, `${dry.path} is not JSON`);
      }
    }
    return done(manifest.run);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
