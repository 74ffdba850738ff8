/**
 * Secret redaction by value. Every event passes through here before it reaches the journal,
 * the log, the terminal, `--json` output or an error message, so a secret can leak only if
 * it is transformed in a way listed nowhere below (pitfall 7: masking that misses encodings).
 */

const CENSOR = "***";
/** Shorter secrets would turn ordinary text into asterisks; they are refused at input time. */
export const MIN_SECRET_LENGTH = 4;

/** The forms a secret commonly takes on its way into output. */
function variants(secret: string): string[] {
  const out = new Set<string>([secret]);
  const bytes = Buffer.from(secret, "utf8");
  const b64 = bytes.toString("base64");
  out.add(b64);
  out.add(b64.replace(/=+$/, ""));
  out.add(bytes.toString("base64url"));
  // Inside a longer base64 text (e.g. `user:secret` in a Basic auth header) the secret's
  // characters depend on its byte offset mod 3: add the stable core for each alignment.
  for (let k = 1; k <= 2; k++) {
    const padded = Buffer.concat([Buffer.alloc(k), bytes]);
    for (const enc of ["base64", "base64url"] as const) {
      const text = padded.toString(enc).replace(/=+$/, "");
      const from = Math.ceil((8 * k) / 6);
      const to = Math.floor((8 * (k + bytes.length)) / 6);
      out.add(text.slice(from, to));
    }
    const tail = Buffer.concat([bytes, Buffer.alloc(k)]).toString("base64");
    out.add(tail.slice(0, Math.floor((8 * bytes.length) / 6)));
  }
  out.add(bytes.toString("hex"));
  out.add(bytes.toString("hex").toUpperCase());
  out.add(encodeURIComponent(secret));
  out.add(encodeURIComponent(secret).replaceAll("%20", "+"));
  out.add(JSON.stringify(secret).slice(1, -1));
  // A multi-line secret (a key file) may be printed one line at a time.
  for (const line of secret.split(/\r?\n/)) if (line.trim().length >= MIN_SECRET_LENGTH) out.add(line);
  return [...out].filter((v) => v.length >= MIN_SECRET_LENGTH);
}

/** Replaces every known secret (and its encodings) with `***` in strings and nested objects. */
export class Redactor {
  private forms: string[] = [];
  private pattern: RegExp | undefined;

  /** Register a secret value. Values shorter than MIN_SECRET_LENGTH are ignored. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH) return;
    const all = new Set([...this.forms, ...variants(secret)]);
    // Longest first, so a secret that contains another is replaced whole.
    this.forms = [...all].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
    this.pattern = new RegExp(this.forms.map(escapeRegExp).join("|"), "g");
  }

  get size(): number {
    return this.forms.length;
  }

  /** The text with every secret form replaced. */
  text(value: string): string {
    if (!this.pattern) return value;
    return value.replace(this.pattern, CENSOR);
  }

  /** A deep copy of a JSON-like value with every string redacted (keys too). */
  deep<T>(value: T): T {
    if (!this.pattern) return value;
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value instanceof Error) return this.text(value.message);
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.text(k)] = this.walk(v);
      return out;
    }
    return value;
  }
}

/** What redactorFor reads of an application (a PreparedApp has it). */
export interface HasSecrets {
  readonly secrets: ReadonlyMap<string, string>;
}

/**
 * The one place a run's secrets are registered: every secret of `apps`, added to `base` when
 * given (the CLI shares one redactor with the engine so the errors it prints are redacted too)
 * or to a new redactor. Returns the redactor added to. Structural, so this module stays a leaf.
 *
 * @example
 * const redactor = redactorFor(prepared.apps);
 */
export function redactorFor(apps: readonly HasSecrets[], base: Redactor = new Redactor()): Redactor {
  for (const a of apps) for (const v of a.secrets.values()) base.add(v);
  return base;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Environment variable names that by convention hold credentials. */
export function looksSecret(name: string): boolean {
  return /(PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY)/i.test(name);
}
