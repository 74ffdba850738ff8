/**
 * The evidence bundle of a finished run (`ferry evidence RUN --out F`): one tar.gz holding the
 * plan, the wave's approvals with their signatures, the allowed_signers (and revoked_keys) they
 * were checked against, the dry-run result recorded for that plan and wave, the run's journal
 * and log, the runbooks as the run used them, and a manifest with every file's SHA-256 and the
 * journal head, signed by the operator's SSH key (namespace `ferry-evidence`). `ferry verify`
 * (evidence-verify.ts) checks all of it.
 *
 * The bundle is refused, not made partial, when the run is not finished, when its journal no
 * longer reaches the head recorded in heads.ndjson, or when the plan or a runbook on disk is not
 * the one the run used: the archive only ever holds what the run actually ran.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import * as tar from "tar";
import { API_VERSION } from "../model/common.js";
import { FerryError } from "../model/codes.js";
import { loadProject } from "../model/load.js";
import type { RunStarted } from "../model/run-event.js";
import { planHashForms } from "../model/plan-hash.js";
import { verifyPlanHash } from "../planner/verify-plan.js";
import { formatHead } from "../journal/heads.js";
import { encodeRecord } from "../journal/record.js";
import { EVIDENCE_NAMESPACE, signMessage, verifySignature } from "../journal/ssh-signature.js";
import { allowedSignersPath, approvalFilesOf, approvalPolicy, revokedKeysPath, type ApprovalPolicy } from "./approval.js";
import { dryRunPath } from "./dry-run.js";
import { stateOf, type RunsContext } from "./context.js";

/** What each file in the bundle is. */
export type EvidenceKind = "plan" | "approval" | "allowed-signers" | "revoked-keys" | "dry-run" | "journal" | "log" | "heads" | "runbook";

export interface ManifestFile {
  /** Path inside the bundle, below its top folder. */
  path: string;
  kind: EvidenceKind;
  sha256: string;
  bytes: number;
  /** Runbooks: the runbook's name. */
  name?: string;
}

/** `manifest.json`, signed in `manifest.json.sig`. */
export interface EvidenceManifest {
  apiVersion: typeof API_VERSION;
  kind: "EvidenceManifest";
  run: string;
  plan: string;
  wave: number;
  createdAt: string;
  /** The principal whose key signed this manifest. */
  signedBy: string;
  operator: string;
  /** The journal's head, `SEQ:SUM`, as recorded in heads.ndjson when the run finished. */
  journal: { path: string; seq: number; sum: string; head: string };
  /** What change control asked of the wave's approvals when the bundle was made. */
  policy: Pick<ApprovalPolicy, "required" | "signed" | "organisations" | "roles">;
  files: ManifestFile[];
}

export const MANIFEST = "manifest.json";
export const MANIFEST_SIG = "manifest.json.sig";

export interface EvidenceOptions {
  run: string;
  /** The archive to write (`.tar.gz`). */
  out: string;
  /** The plan file the run used, where it is no longer at the path the run recorded. */
  plan?: string;
  /** Private key to sign the manifest with; without it, the ssh-agent's key listed for `by`. */
  key?: string;
  /** The principal signing. @default ctx.operator */
  by?: string;
  now?: () => Date;
}

const incomplete = (message: string, hint: string) => new FerryError("evidence-incomplete", message, hint);
const sha256 = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
const readIf = (file: string) => readFile(file).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? undefined : Promise.reject(err)));

/** Write the evidence bundle of finished run `opts.run`. */
export async function writeEvidence(ctx: Pick<RunsContext, "dir" | "stateDir" | "state" | "operator" | "env">, opts: EvidenceOptions): Promise<{ out: string; manifest: EvidenceManifest }> {
  const state = stateOf(ctx);
  const journal = await state.readRun(opts.run);
  const jfile = journal.location;
  const started = journal.records[0]?.event as RunStarted | undefined;
  if (started?.type !== "run.started") throw incomplete(`${jfile} does not start with run.started`, "Only a run's own journal can be bundled.");
  if (started.dryRun || started.rehearsal || !started.planHash || started.wave === undefined) {
    const what = started.dryRun ? "a dry run" : started.rehearsal ? "a rehearsal (against a test environment)" : "not a run of a planned wave";
    throw incomplete(`run ${opts.run} is ${what}: there is no approved plan and wave to prove`, "Bundle a run started with `ferry run --plan F --wave N`.");
  }
  const heads = await state.recordedHeads(opts.run);
  const last = heads[heads.length - 1];
  if (!last) throw incomplete(`run ${opts.run} has not finished: no head is recorded for it in ${state.headsLocation}`, `Resume or roll back the run first (\`ferry status ${opts.run}\`).`);
  if (last.seq !== journal.head.seq || last.sum !== journal.head.sum) {
    throw new FerryError(
      "journal-head-mismatch",
      `${jfile} ends at ${formatHead(journal.head)}, but ${state.headsLocation} recorded ${formatHead(last)} when the run finished: the journal was cut back, rewritten or continued`,
      "Do not bundle it: find out who changed the journal (keep a copy of it and of heads.ndjson).",
    );
  }
  const planHash = started.planHash;
  const wave = started.wave;

  const files: { path: string; kind: EvidenceKind; data: Buffer; name?: string }[] = [];
  // The plan, by the path the run recorded (as typed, from the project or the working folder).
  const planCandidates = opts.plan ? [resolve(opts.plan)] : [resolve(started.planFile ?? ""), resolve(ctx.dir, started.planFile ?? "")];
  let planData: Buffer | undefined;
  for (const p of planCandidates) {
    const data = started.planFile || opts.plan ? await readIf(p) : undefined;
    if (!data) continue;
    let hash = "";
    try {
      const parsed = JSON.parse(data.toString("utf8")) as Record<string, unknown>;
      if (verifyPlanHash(parsed).ok) hash = String(parsed.hash);
    } catch {
      // not a plan
    }
    if (hash === planHash) {
      planData = data;
      break;
    }
    throw incomplete(`${p} is not the plan run ${opts.run} ran (${planHash}): it was re-planned or edited since`, `Restore the plan the run used (e.g. from version control) and pass it with --plan.`);
  }
  if (!planData) throw incomplete(`the plan run ${opts.run} ran (${started.planFile ?? "no file recorded"}) is not there`, "Pass the plan file the run used with --plan.");
  files.push({ path: `plan/${basename(started.planFile ?? "plan.json")}`, kind: "plan", data: planData });

  for (const f of await approvalFilesOf(ctx.dir, planHash, wave)) files.push({ path: `approvals/${basename(f)}`, kind: "approval", data: await readFile(f) });
  const signersFile = allowedSignersPath(ctx.dir);
  const signers = await readIf(signersFile);
  if (signers) files.push({ path: "approvals/allowed_signers", kind: "allowed-signers", data: signers });
  const revoked = await readIf(revokedKeysPath(ctx.dir));
  if (revoked) files.push({ path: "approvals/revoked_keys", kind: "revoked-keys", data: revoked });
  const dry = await readIf(dryRunPath(ctx.stateDir, planHash, wave));
  if (dry) files.push({ path: `dry-run/${planHashForms(planHash).hex}-wave-${wave}.json`, kind: "dry-run", data: dry });

  // The journal as its file holds it (a record's line is its canonical encoding), whichever backend kept it.
  const journalBytes = Buffer.concat(journal.records.map((r) => encodeRecord(r.seq, r.ts, r.prev, r.event).line));
  files.push({ path: "run/journal.ndjson", kind: "journal", data: journalBytes });
  const log = await readIf(join(state.localDir, "runs", opts.run, "log.ndjson"));
  if (log) files.push({ path: "run/log.ndjson", kind: "log", data: log });
  files.push({ path: "run/heads.ndjson", kind: "heads", data: Buffer.from(heads.map((h) => JSON.stringify(h) + "\n").join("")) });

  // Runbooks as the run used them: the file on disk must still have the digest the run pinned
  // (or one it accepted on resume with --accept-changes).
  const accepted = new Map<string, Set<string>>();
  for (const [name, digest] of Object.entries(started.runbooks)) accepted.set(name, new Set([digest]));
  for (const r of journal.records) if (r.event.type === "run.resumed") for (const c of r.event.acceptedChanges ?? []) accepted.get(c.runbook)?.add(c.to);
  const project = await loadProject(ctx.dir);
  for (const [name, digests] of accepted) {
    const rb = project.runbooks.get(name);
    if (!rb || !digests.has(rb.digest)) {
      throw incomplete(
        `runbook ${name} ${rb ? `(${relative(ctx.dir, rb.file) || rb.file}) has changed since run ${opts.run} used it` : "is no longer in runbooks/"}: the run pinned sha256 ${[...digests].join(" or ")}`,
        "Restore the runbook as the run used it (e.g. `git log -p runbooks/`), then make the bundle.",
      );
    }
    files.push({ path: `runbooks/${basename(rb.file)}`, kind: "runbook", name, data: await readFile(resolve(ctx.dir, rb.file)).catch(() => readFile(rb.file)) });
  }

  const planned = JSON.parse(planData.toString("utf8")) as { waves: { number: number; applications: { id: string }[] }[] };
  const policy = approvalPolicy(project, { applications: planned.waves.find((w) => w.number === wave)?.applications ?? [] });
  const by = (opts.by ?? ctx.operator).trim();
  const createdAt = (opts.now ?? (() => new Date()))().toISOString();
  const manifest: EvidenceManifest = {
    apiVersion: API_VERSION,
    kind: "EvidenceManifest",
    run: opts.run,
    plan: planHash,
    wave,
    createdAt,
    signedBy: by,
    operator: started.operator,
    journal: { path: "run/journal.ndjson", seq: last.seq, sum: last.sum, head: formatHead(last) },
    policy: { required: policy.required, signed: policy.signed, organisations: policy.organisations, roles: policy.roles },
    files: files.map((f) => ({ path: f.path, kind: f.kind, sha256: sha256(f.data), bytes: f.data.length, ...(f.name ? { name: f.name } : {}) })),
  };
  const manifestText = JSON.stringify(manifest, null, 2) + "\n";
  const sig = await signMessage(manifestText, { namespace: EVIDENCE_NAMESPACE, principal: by, allowedSigners: signersFile, env: ctx.env, ...(opts.key ? { key: opts.key } : {}) });
  // Never hand out a bundle whose own signature `ferry verify` would refuse.
  await verifySignature({ message: manifestText, signature: sig.signature, namespace: EVIDENCE_NAMESPACE, file: MANIFEST, allowedSigners: signersFile, revokedKeys: revokedKeysPath(ctx.dir), principal: by, at: new Date(createdAt), env: ctx.env });

  const top = `ferry-evidence-${opts.run}`;
  const stage = await mkdtemp(join(tmpdir(), "ferry-evidence-"));
  try {
    const names: string[] = [];
    const put = async (path: string, data: Buffer | string) => {
      await mkdir(dirname(join(stage, top, path)), { recursive: true });
      await writeFile(join(stage, top, path), data, { mode: 0o600 });
      names.push(`${top}/${path}`);
    };
    await put(MANIFEST, manifestText);
    await put(MANIFEST_SIG, sig.signature);
    for (const f of files) await put(f.path, f.data);
    const out = resolve(opts.out);
    await mkdir(dirname(out), { recursive: true });
    const tmp = `${out}.${process.pid}.tmp`;
    await tar.create({ gzip: true, file: tmp, cwd: stage, portable: true, noDirRecurse: true, mtime: new Date(createdAt) }, names);
    await rename(tmp, out);
    if (!(await stat(out)).isFile()) throw new Error(`${out} was not written`);
    return { out, manifest };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
