import { createHmac } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describeKey, keyTypeOf } from "./fingerprint.js";

/** One usable line of an OpenSSH known_hosts file. */
export interface KnownHostEntry {
  file: string;
  /** 1-based line number, for messages that tell the operator which line to fix. */
  line: number;
  marker?: "@revoked" | "@cert-authority";
  /** The host field as written: patterns separated by commas, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  key: Buffer;
}

/** What known_hosts says about a key a server offered. */
export type HostKeyVerdict =
  | { status: "known"; entry: KnownHostEntry }
  /** No line names this host with this key type; `otherTypes` lists types it does know. */
  | { status: "unknown"; otherTypes: string[] }
  /** Lines name this host with the same key type but a different key: possible interception. */
  | { status: "changed"; known: KnownHostEntry[] }
  | { status: "revoked"; entry: KnownHostEntry };

/** The name OpenSSH looks up: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Parse known_hosts text; malformed lines are skipped, as OpenSSH does. */
export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const fields = raw.split(/\s+/);
    let marker: KnownHostEntry["marker"];
    if (fields[0] === "@revoked" || fields[0] === "@cert-authority") marker = fields.shift() as KnownHostEntry["marker"];
    const [hosts, keyType, b64] = fields;
    if (!hosts || !keyType || !b64) continue;
    const key = Buffer.from(b64, "base64");
    // A line whose blob does not name its own type is corrupt; trusting it would be guesswork.
    if (key.length === 0 || keyTypeOf(key) !== keyType) continue;
    entries.push({ file, line: i + 1, marker, hosts, keyType, key });
  }
  return entries;
}

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${body}$`, "i");
}

/**
 * Whether a known_hosts host field names `name`. Hashed fields (`|1|salt|hash`, written by
 * `HashKnownHosts yes`) are HMAC-SHA1 of the name keyed by the salt; plain fields are comma
 * lists of glob patterns where a matching `!pattern` vetoes the line.
 */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith("|1|")) {
    const [, , salt, hash] = field.split("|");
    if (!salt || !hash) return false;
    const mac = createHmac("sha1", Buffer.from(salt, "base64")).update(name).digest();
    return mac.equals(Buffer.from(hash, "base64"));
  }
  let matched = false;
  for (const pattern of field.split(",")) {
    if (pattern.startsWith("!")) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

export interface KnownHostsOptions {
  /** Files read, in order; missing files are fine. */
  files: string[];
  /** Where `pin` appends first-seen keys (created with mode 0600). Pinning is off without it. */
  pinFile?: string;
}

/** The known_hosts files ferry trusts, loaded once per run, with pinning for accept-new. */
export class KnownHosts {
  private entries: KnownHostEntry[] = [];

  constructor(private readonly opts: KnownHostsOptions) {
    for (const file of opts.files) {
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      this.entries.push(...parseKnownHosts(text, file));
    }
  }

  /** Entries that name this host. */
  entriesFor(name: string): KnownHostEntry[] {
    return this.entries.filter((e) => e.marker !== "@cert-authority" && hostFieldMatches(e.hosts, name));
  }

  /** Key types known for this host, so the handshake can prefer them (OpenSSH does the same). */
  typesFor(name: string): string[] {
    return [...new Set(this.entriesFor(name).filter((e) => e.marker === undefined).map((e) => e.keyType))];
  }

  /** Judge the key a server offered for `name`. */
  check(name: string, key: Buffer): HostKeyVerdict {
    const entries = this.entriesFor(name);
    const revoked = this.entries.find((e) => e.marker === "@revoked" && e.key.equals(key));
    if (revoked) return { status: "revoked", entry: revoked };
    const type = keyTypeOf(key);
    const plain = entries.filter((e) => e.marker === undefined);
    const match = plain.find((e) => e.key.equals(key));
    if (match) return { status: "known", entry: match };
    const sameType = plain.filter((e) => e.keyType === type);
    if (sameType.length > 0) return { status: "changed", known: sameType };
    return { status: "unknown", otherTypes: [...new Set(plain.map((e) => e.keyType))] };
  }

  /** Whether first-seen keys can be pinned. */
  get canPin(): boolean {
    return this.opts.pinFile !== undefined;
  }

  /**
   * Append `name keytype base64` to the pin file, creating it (and its folder) private to the
   * user. One `appendFileSync` per line: O_APPEND keeps concurrent pins from interleaving.
   */
  pin(name: string, key: Buffer): KnownHostEntry {
    const file = this.opts.pinFile;
    if (!file) throw new Error("known_hosts pinning is not configured");
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const keyType = keyTypeOf(key);
    appendFileSync(file, `${name} ${keyType} ${key.toString("base64")}\n`, { mode: 0o600 });
    // appendFileSync's mode applies only on creation; an operator-made file may be looser.
    chmodSync(file, 0o600);
    const entry: KnownHostEntry = { file, line: 0, hosts: name, keyType, key };
    this.entries.push(entry);
    return entry;
  }
}

/** `file:line` of an entry, for messages. */
export function entryLocation(e: KnownHostEntry): string {
  return e.line > 0 ? `${e.file}:${e.line}` : e.file;
}

/** One line per known entry: `ED25519 SHA256:… (file:line)`. */
export function describeEntries(entries: KnownHostEntry[]): string {
  return entries.map((e) => `${describeKey(e.key)} (${entryLocation(e)})`).join(", ");
}
