/**
 * OpenSSH signatures (SSHSIG, the format git uses for SSH-signed commits), made and checked by
 * the reference implementation: `ssh-keygen -Y sign` with a key file or the ssh-agent, and
 * `ssh-keygen -Y check-novalidate`/`verify` against an OpenSSH `allowed_signers` file, with a
 * `revoked_keys` file beside it and `-Overify-time`. ferry reads `allowed_signers` itself only
 * to explain a refusal (which key, which principal, which `valid-before`); whether a signature
 * counts is always ssh-keygen's answer.
 *
 * Nothing here prints. Every refusal is a {@link SignatureError} naming the file concerned and
 * what to do.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FerryError } from "../model/codes.js";

/** Namespace of approvals of waves and releases of gates. */
export const APPROVAL_NAMESPACE = "ferry-approval";
/** Namespace of an evidence bundle's manifest. */
export const EVIDENCE_NAMESPACE = "ferry-evidence";

export type SignatureErrorCode = "signature-invalid" | "signer-not-allowed" | "signing-failed";

export class SignatureError extends FerryError {
  override name = "SignatureError";
  declare readonly code: SignatureErrorCode;
  constructor(code: SignatureErrorCode, message: string, hint?: string) {
    super(code, message, hint);
  }
}

/** What an SSHSIG signature says about itself (before anything is trusted). */
export interface SignatureInfo {
  /** `ssh-ed25519 AAAA…`: the signer's public key. */
  publicKey: string;
  /** `SHA256:…`, as ssh-keygen prints it. */
  fingerprint: string;
  namespace: string;
}

const ARMOR = /^-----BEGIN SSH SIGNATURE-----\r?\n([A-Za-z0-9+/=\r\n]+?)\r?\n?-----END SSH SIGNATURE-----\s*$/;

/** The SHA256 fingerprint of a public key blob, as OpenSSH writes it. */
export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Read an armored SSHSIG signature's public key and namespace; throws `signature-invalid` naming `file`. */
export function parseSignature(armored: string, file: string): SignatureInfo {
  const bad = (why: string) =>
    new SignatureError("signature-invalid", `${file}: the signature is not an OpenSSH signature (SSHSIG): ${why}`, "Signatures are written by ferry; sign again rather than editing one.");
  const m = ARMOR.exec(armored.trim());
  if (!m) throw bad("no -----BEGIN SSH SIGNATURE----- block");
  const buf = Buffer.from(m[1]!.replace(/\s+/g, ""), "base64");
  let at = 0;
  const str = (): Buffer => {
    if (at + 4 > buf.length) throw bad("it is cut short");
    const n = buf.readUInt32BE(at);
    if (at + 4 + n > buf.length) throw bad("it is cut short");
    const s = buf.subarray(at + 4, at + 4 + n);
    at += 4 + n;
    return s;
  };
  if (buf.subarray(0, 6).toString("latin1") !== "SSHSIG") throw bad("it does not start with SSHSIG");
  at = 6;
  if (at + 4 > buf.length || buf.readUInt32BE(at) !== 1) throw bad("unknown version");
  at += 4;
  const key = str();
  const namespace = str().toString("utf8");
  const type = key.subarray(4, 4 + key.readUInt32BE(0)).toString("latin1");
  return { publicKey: `${type} ${key.toString("base64")}`, fingerprint: fingerprintOf(key), namespace };
}

/** One line of an allowed_signers file, as far as ferry needs it. */
export interface AllowedSigner {
  line: number;
  principals: string[];
  /** `ssh-ed25519 AAAA…` */
  publicKey: string;
  fingerprint: string;
  validAfter?: Date;
  validBefore?: Date;
  /** `namespaces="…"`, when the line restricts them. */
  namespaces?: string[];
  certAuthority: boolean;
}

function tokens(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let any = false;
  for (const ch of line) {
    if (ch === '"') {
      quoted = !quoted;
      cur += ch;
      any = true;
    } else if (!quoted && (ch === " " || ch === "\t")) {
      if (any) out.push(cur);
      cur = "";
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any) out.push(cur);
  return out;
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-|rsa-sha2-)/;

/** `YYYYMMDD[HHMM[SS]][Z]`, local time unless `Z`, as OpenSSH reads `valid-before`. */
export function parseSshTime(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? "00", m[5] ?? "00", m[6] ?? "00"].map(Number) as [number, number, number, number, number, number];
  return m[7] ? new Date(Date.UTC(y, mo - 1, d, h, mi, s)) : new Date(y, mo - 1, d, h, mi, s);
}

/** `YYYYMMDDHHMMSSZ`, the form `-Overify-time` takes. */
export function sshTime(d: Date): string {
  return d.toISOString().replace(/[-:T]/g, "").replace(/\.\d+Z$/, "Z");
}

/** Parse an allowed_signers text (comments and blank lines skipped; lines ferry cannot read are skipped, ssh-keygen decides). */
export function parseAllowedSigners(text: string): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#")) return;
    const t = tokens(line);
    if (t.length < 3) return;
    const principals = t[0]!.replace(/^"|"$/g, "").split(",");
    let k = 1;
    const opts = new Map<string, string>();
    if (!KEY_TYPE.test(t[1]!)) {
      k = 2;
      for (const o of t[1]!.match(/(?:[^,"]|"[^"]*")+/g) ?? []) {
        const eq = o.indexOf("=");
        opts.set((eq < 0 ? o : o.slice(0, eq)).toLowerCase(), eq < 0 ? "" : o.slice(eq + 1).replace(/^"|"$/g, ""));
      }
    }
    const type = t[k];
    const b64 = t[k + 1];
    if (!type || !b64) return;
    const blob = Buffer.from(b64, "base64");
    const after = opts.has("valid-after") ? parseSshTime(opts.get("valid-after")!) : undefined;
    const before = opts.has("valid-before") ? parseSshTime(opts.get("valid-before")!) : undefined;
    out.push({
      line: i + 1,
      principals,
      publicKey: `${type} ${b64}`,
      fingerprint: fingerprintOf(blob),
      ...(after ? { validAfter: after } : {}),
      ...(before ? { validBefore: before } : {}),
      ...(opts.has("namespaces") ? { namespaces: opts.get("namespaces")!.split(",") } : {}),
      certAuthority: opts.has("cert-authority"),
    });
  });
  return out;
}

/** OpenSSH's pattern match for one principal pattern (`*` and `?`; no negation). */
function matches(pattern: string, name: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return re.test(name);
}

/** Public keys listed in a revoked_keys file (one a line, comments skipped), as fingerprints. */
export function parseRevokedKeys(text: string): Set<string> {
  const out = new Set<string>();
  for (const raw of text.split("\n")) {
    const t = raw.trim().split(/\s+/);
    const i = t.findIndex((x) => KEY_TYPE.test(x));
    if (i >= 0 && t[i + 1]) out.add(fingerprintOf(Buffer.from(t[i + 1]!, "base64")));
  }
  return out;
}

interface Spawned {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input: Buffer | string | undefined, env: Readonly<Record<string, string | undefined>>): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...env, PATH: env.PATH ?? process.env.PATH, LC_ALL: "C" } as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => reject(new SignatureError("signing-failed", `cannot run ${cmd}: ${e.message}`, "Install OpenSSH (ssh-keygen 8.9 or later) and put it on PATH.")));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

async function withTemp<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "ferry-sig-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const exists = (file: string) => stat(file).then(
  (s) => s.isFile(),
  () => false,
);

/** Public keys the ssh-agent at `SSH_AUTH_SOCK` holds; empty when there is no agent or it holds none. */
export async function agentKeys(env: Readonly<Record<string, string | undefined>>): Promise<string[]> {
  if (!env.SSH_AUTH_SOCK) return [];
  const r = await run("ssh-add", ["-L"], undefined, env);
  if (r.code !== 0) return [];
  return r.stdout
    .split("\n")
    .map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "))
    .filter((l) => KEY_TYPE.test(l));
}

export interface SignOptions {
  namespace: string;
  /** A private key file; without it, the agent's key that `allowedSigners` lists for `principal`. */
  key?: string;
  /** Who signs: picks the agent's key. */
  principal: string;
  /** The allowed_signers file (to pick the agent's key). */
  allowedSigners: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** A signature made: the armored SSHSIG text and the key's fingerprint. */
export interface Signature {
  signature: string;
  fingerprint: string;
}

/** Sign `message` with `ssh-keygen -Y sign` (a key file, or the ssh-agent). */
export async function signMessage(message: string | Buffer, opts: SignOptions): Promise<Signature> {
  let keyFile = opts.key;
  return withTemp(async (dir) => {
    if (keyFile === undefined) {
      const held = await agentKeys(opts.env);
      if (!held.length) {
        throw new SignatureError(
          "signing-failed",
          opts.env.SSH_AUTH_SOCK ? "no --key given, and the ssh-agent holds no keys" : "no --key given, and no ssh-agent is running (SSH_AUTH_SOCK is not set)",
          "Pass --key with your private key file, or start ssh-agent and `ssh-add` your key.",
        );
      }
      const listed = parseAllowedSigners(await readFile(opts.allowedSigners, "utf8").catch(() => ""));
      const mine = held.find((k) => listed.some((l) => l.publicKey === k && l.principals.some((p) => matches(p, opts.principal))));
      if (!mine) {
        throw new SignatureError(
          "signing-failed",
          `none of the ${held.length} key(s) in your ssh-agent is listed for ${opts.principal} in ${opts.allowedSigners}`,
          `Load the key listed for ${opts.principal} with \`ssh-add\`, pass it with --key, or correct --by.`,
        );
      }
      keyFile = join(dir, "agent-key.pub");
      await writeFile(keyFile, mine + "\n", { mode: 0o600 });
    } else if (!(await exists(keyFile))) {
      throw new SignatureError("signing-failed", `--key ${keyFile}: no such file`, "Pass the path of your private SSH key (e.g. ~/.ssh/id_ed25519).");
    }
    const r = await run("ssh-keygen", ["-q", "-Y", "sign", "-f", keyFile, "-n", opts.namespace], message, { ...opts.env, SSH_ASKPASS_REQUIRE: "never" });
    if (r.code !== 0 || !r.stdout.includes("BEGIN SSH SIGNATURE")) {
      throw new SignatureError(
        "signing-failed",
        `ssh-keygen could not sign with ${opts.key ?? "the ssh-agent's key"}: ${r.stderr.replace(/Signing data on standard input\n?/, "").trim() || `exit ${r.code}`}`,
        "A key with a passphrase must be loaded into ssh-agent (`ssh-add`) and used without --key.",
      );
    }
    const signature = r.stdout.trim() + "\n";
    return { signature, fingerprint: parseSignature(signature, "the new signature").fingerprint };
  });
}

export interface VerifyOptions {
  message: string | Buffer;
  /** Armored SSHSIG text. */
  signature: string;
  namespace: string;
  /** The file the signature came from, as messages show it. */
  file: string;
  /** The allowed_signers file trusted for this check. */
  allowedSigners: string;
  /** A revoked_keys file; absent is fine. @default `revoked_keys` beside allowedSigners */
  revokedKeys?: string;
  /** The principal the signature claims (`approvedBy`, `--by`). */
  principal: string;
  /** Of these roles the signer must hold one (a literal principal of its key); none: no role needed. */
  roles?: readonly string[];
  /** When the key must have been valid. @default now */
  at?: Date;
  env: Readonly<Record<string, string | undefined>>;
}

/** Who a verified signature is from. */
export interface VerifiedSigner {
  principal: string;
  fingerprint: string;
  publicKey: string;
  /** Every principal allowed_signers gives this key at that time (roles included). */
  principals: string[];
  /** The role that admitted it, when roles were asked for. */
  role?: string;
}

/**
 * Check a signature the way `ferry run` and `ferry verify` rely on it: its namespace, that it
 * matches the content, that allowed_signers lists its key for `principal` at `at`, that the key
 * is not revoked, and that it holds one of `roles`. Throws a SignatureError saying which check
 * failed, naming `file` and what to do.
 */
export async function verifySignature(opts: VerifyOptions): Promise<VerifiedSigner> {
  const file = opts.file;
  const signers = opts.allowedSigners;
  const at = opts.at ?? new Date();
  const info = parseSignature(opts.signature, file);
  const key = info.fingerprint;
  if (info.namespace !== opts.namespace) {
    throw new SignatureError(
      "signature-invalid",
      `${file}: the signature was made for namespace "${info.namespace}", not "${opts.namespace}": it signs something else and does not count here`,
      "Sign it with ferry (`ferry approve --force`, `ferry gate approve`), which uses the right namespace.",
    );
  }
  const allowedText = await readFile(signers, "utf8").catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") {
      throw new SignatureError("signer-not-allowed", `${file} is signed, but there is no ${signers} to check it against`, "Create it (OpenSSH allowed_signers format: principals, options, key), review it like code and commit it.");
    }
    throw err;
  });
  const revoked = opts.revokedKeys ?? join(signers, "..", "revoked_keys");
  const hasRevoked = await exists(revoked);
  return withTemp(async (dir) => {
    const sigFile = join(dir, "sig");
    await writeFile(sigFile, opts.signature, { mode: 0o600 });
    const env = opts.env;
    const check = await run("ssh-keygen", ["-Y", "check-novalidate", "-n", opts.namespace, "-s", sigFile], opts.message, env);
    if (check.code !== 0) {
      throw new SignatureError(
        "signature-invalid",
        `${file}: the signature (key ${key}) does not match the content: the file was changed after it was signed`,
        "Do not edit signed files: have the signer approve again (`ferry approve --force`).",
      );
    }
    if (hasRevoked && parseRevokedKeys(await readFile(revoked, "utf8")).has(key)) {
      throw new SignatureError("signer-not-allowed", `${file}: signed with key ${key}, which ${revoked} revokes`, "The key no longer counts: have the approval made again with a current key.");
    }
    const lines = parseAllowedSigners(allowedText).filter((l) => l.fingerprint === key);
    if (!lines.length) {
      throw new SignatureError(
        "signer-not-allowed",
        `${file}: signed with key ${key}, which ${signers} does not list`,
        `Have a listed signer approve, or add the key with its principals to ${signers} (reviewed like code).`,
      );
    }
    const forPrincipal = lines.filter((l) => l.principals.some((p) => matches(p, opts.principal)));
    if (!forPrincipal.length) {
      throw new SignatureError(
        "signer-not-allowed",
        `${file}: it names ${opts.principal}, but ${signers} lists key ${key} for ${[...new Set(lines.flatMap((l) => l.principals))].join(", ")}`,
        `Sign as the principal the key is listed for (--by), or list the key for ${opts.principal}.`,
      );
    }
    const valid = forPrincipal.filter((l) => (!l.validBefore || l.validBefore > at) && (!l.validAfter || l.validAfter <= at));
    if (!valid.length) {
      const l = forPrincipal[0]!;
      const when = l.validBefore && l.validBefore <= at ? `expired on ${l.validBefore.toISOString()} (valid-before)` : `is not valid until ${l.validAfter?.toISOString()} (valid-after)`;
      throw new SignatureError(
        "signer-not-allowed",
        `${file}: key ${key} of ${opts.principal} ${when} in ${signers}:${l.line}, checked at ${at.toISOString()}`,
        "Have the approval made again with a current key, or renew the key's entry in allowed_signers.",
      );
    }
    const inNamespace = valid.filter((l) => !l.namespaces || l.namespaces.some((n) => matches(n, opts.namespace)));
    if (!inNamespace.length) {
      throw new SignatureError("signer-not-allowed", `${file}: ${signers}:${valid[0]!.line} does not allow key ${key} to sign "${opts.namespace}" (namespaces=)`, "Add the namespace to the key's entry, or sign with another key.");
    }
    const verify = async (principal: string) => {
      const args = ["-Y", "verify", "-f", signers, "-I", principal, "-n", opts.namespace, "-s", sigFile, `-Overify-time=${sshTime(at)}`];
      if (hasRevoked) args.push("-r", revoked);
      const r = await run("ssh-keygen", args, opts.message, env);
      if (r.code !== 0) {
        throw new SignatureError(
          "signer-not-allowed",
          `${file}: ssh-keygen does not accept key ${key} for ${principal}: ${r.stderr.replace(/\n+/g, "; ").trim() || `exit ${r.code}`}`,
          `Check the key's entry in ${signers}.`,
        );
      }
    };
    await verify(opts.principal);
    const principals = [...new Set(inNamespace.flatMap((l) => l.principals))];
    let role: string | undefined;
    if (opts.roles?.length) {
      role = opts.roles.find((r) => principals.includes(r));
      if (!role) {
        throw new SignatureError(
          "signer-not-allowed",
          `${file}: ${opts.principal} (key ${key}) does not hold the role change control requires (${opts.roles.join(" or ")}); ${signers} gives the key: ${principals.join(", ")}`,
          `Have a holder of ${opts.roles.join(" or ")} approve, or add the role to the key's principals in ${signers}.`,
        );
      }
      if (role !== opts.principal) await verify(role);
    }
    return { principal: opts.principal, fingerprint: key, publicKey: info.publicKey, principals, ...(role ? { role } : {}) };
  });
}

/** Keys allowed_signers lists for `principal` (literal or pattern), as fingerprints. */
export async function keysOf(allowedSigners: string, principal: string): Promise<Set<string>> {
  const text = await readFile(allowedSigners, "utf8").catch(() => "");
  return new Set(
    parseAllowedSigners(text)
      .filter((l) => l.principals.some((p) => matches(p, principal)))
      .map((l) => l.fingerprint),
  );
}
