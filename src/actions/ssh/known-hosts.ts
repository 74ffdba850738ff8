import { createHmac } from "node:crypto";
import { appendFileSync, chmodSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { ActionError } from "../errors.js";
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

/**
 * Host keys kept outside known_hosts files: a team's shared state (the PostgreSQL backend), so
 * a key pinned on one operator's machine is the key every operator and runner expects.
 */
export interface HostKeyStore {
  /** What the keys are called in messages, e.g. `the team database's host keys`. */
  name: string;
  /** The pinned keys, as known_hosts lines, read before the run. */
  lines: string[];
  /** Keep a first-seen key (a known_hosts line); with a store, `--accept-new` pins here and not into the pin file. */
  pin(line: string): Promise<void>;
}

export interface KnownHostsOptions {
  /** Files read, in order; missing files are fine. */
  files: string[];
  /** Where `pin` appends first-seen keys (created with mode 0600). Pinning is off without it (and without a store). */
  pinFile?: string;
  /** Keys pinned in a shared store; `pin` writes there when pinning is on. */
  store?: HostKeyStore;
  /** Pinning into the store is on (`--accept-new`). @default false */
  pinToStore?: boolean;
}

/** The owner and mode of a path, or undefined when it does not exist. */
export type StatFn = (path: string) => { uid: number; mode: number; isDirectory(): boolean } | undefined;

const statOrUndefined: StatFn = (path) => {
  try {
    return statSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
};

/**
 * Why a known_hosts file (or its folder) cannot be trusted, as OpenSSH's StrictModes judges
 * authorized_keys: anyone but its owner can write it, or its owner is neither this user nor
 * root. A folder that others may write lets them replace the file. A sticky folder (such as
 * /tmp) is fine, as only owners may replace entries there. Undefined when it is safe.
 */
export function unsafeKnownHosts(file: string, stat: StatFn = statOrUndefined, uid = process.getuid?.() ?? 0): string | undefined {
  const abs = resolve(file);
  for (const [path, what] of [
    [abs, "known_hosts file"],
    [dirname(abs), "folder of the known_hosts file"],
  ] as const) {
    const st = stat(path);
    if (!st) continue;
    const perm = st.mode & 0o777;
    const sticky = st.isDirectory() && (st.mode & 0o1000) !== 0;
    const chmod = st.isDirectory() ? "700" : "600";
    if (perm & 0o022 && !sticky) {
      const who = [perm & 0o020 ? "group" : "", perm & 0o002 ? "others" : ""].filter(Boolean).join(" and ");
      return `The ${what} ${path} is writable by ${who} (mode ${perm.toString(8).padStart(3, "0")}), so anyone could add a host key to it; ferry does not trust it. Fix: chmod ${chmod} ${path}, and check that every key in ${abs} is one you added`;
    }
    if (st.uid !== uid && st.uid !== 0) {
      return `The ${what} ${path} belongs to user id ${st.uid}, not to you or root, so its owner could add a host key to it; ferry does not trust it. Fix: chown $(id -u) ${path} && chmod ${chmod} ${path}, after checking its keys`;
    }
  }
  return undefined;
}

/** The known_hosts files ferry trusts, loaded once per run on first use, with pinning for accept-new. */
export class KnownHosts {
  private loaded: KnownHostEntry[] | undefined;

  constructor(
    private readonly opts: KnownHostsOptions,
    private readonly stat: StatFn = statOrUndefined,
  ) {}

  /**
   * Every entry of every file, read on first use so a run without SSH steps never reads them.
   * Throws `known-hosts-unsafe` for a file or folder that others can write (nothing connects).
   */
  private get entries(): KnownHostEntry[] {
    if (this.loaded) return this.loaded;
    const entries: KnownHostEntry[] = [];
    const files = [...this.opts.files, ...(this.opts.pinFile && !this.opts.files.includes(this.opts.pinFile) ? [this.opts.pinFile] : [])];
    for (const file of files) {
      // Checked even when absent: the pin file is created in that folder.
      const unsafe = unsafeKnownHosts(file, this.stat);
      if (unsafe) throw new ActionError("known-hosts-unsafe", unsafe, { outcome: "not-started", hint: "Make the file and its folder writable by you alone, as ssh requires of ~/.ssh." });
      if (!this.opts.files.includes(file)) continue;
      let text: string;
      try {
        text = readFileSync(file, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      entries.push(...parseKnownHosts(text, file));
    }
    if (this.opts.store) entries.push(...parseKnownHosts(this.opts.store.lines.join("\n"), this.opts.store.name));
    this.loaded = entries;
    return entries;
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
    return this.opts.pinFile !== undefined || (this.opts.store !== undefined && this.opts.pinToStore === true);
  }

  /** Pins sent to the store and not yet confirmed; `flush` waits for them. */
  private pending: Promise<void>[] = [];

  /** Wait until every key pinned into the store is kept there; rejects with the first failure. */
  async flush(): Promise<void> {
    const all = this.pending.splice(0);
    await Promise.all(all);
  }

  /**
   * Append `name keytype base64` to the pin file, creating it (and its folder) private to the
   * user. One `appendFileSync` per line: O_APPEND keeps concurrent pins from interleaving.
   */
  pin(name: string, key: Buffer): KnownHostEntry {
    const store = this.opts.pinToStore ? this.opts.store : undefined;
    if (store) {
      const entries = this.entries;
      const keyType = keyTypeOf(key);
      const line = `${name} ${keyType} ${key.toString("base64")}`;
      const p = store.pin(line);
      p.catch(() => undefined); // reported by flush()
      this.pending.push(p);
      const entry: KnownHostEntry = { file: store.name, line: 0, hosts: name, keyType, key };
      entries.push(entry);
      return entry;
    }
    const file = this.opts.pinFile;
    if (!file) throw new Error("known_hosts pinning is not configured");
    const entries = this.entries;
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    const keyType = keyTypeOf(key);
    appendFileSync(file, `${name} ${keyType} ${key.toString("base64")}\n`, { mode: 0o600 });
    // appendFileSync's mode applies only on creation; an operator-made file may be looser.
    chmodSync(file, 0o600);
    const entry: KnownHostEntry = { file, line: 0, hosts: name, keyType, key };
    entries.push(entry);
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
