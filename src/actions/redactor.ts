/**
 * Secret redaction by value, below the engine so actions can redact output before they cut it
 * to its bounded tail (a secret straddling the cut would otherwise leave part of itself). The
 * engine registers a run's secrets through engine/redact.ts, which re-exports this class.
 */

export const CENSOR = "***";
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
  /** Every form of every secret, longest first. */
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

  /**
   * A redactor for one stream of text arriving in pieces: a secret split across pieces is
   * still replaced whole. `push` returns the text that is final: every complete line at once
   * (so live output is not delayed), and of the unfinished line all but the last characters
   * that could begin a secret. `end` returns the rest. A secret of several lines that spans
   * a piece's last newline is caught by its lines, each registered on its own.
   *
   * @example
   * const s = redactor.stream();
   * out.write(s.push(piece1)); out.write(s.push(piece2)); out.write(s.end());
   */
  stream(): { push(text: string): string; end(): string } {
    let pending = "";
    return {
      push: (text: string): string => {
        pending += text;
        const pattern = this.pattern;
        if (!pattern) {
          const out = pending;
          pending = "";
          return out;
        }
        let out = "";
        const nl = pending.lastIndexOf("\n");
        if (nl >= 0) {
          out = this.text(pending.slice(0, nl + 1));
          pending = pending.slice(nl + 1);
        }
        // A match starting before `safe` has every character its longest form could need.
        const safe = pending.length - (this.forms[0]!.length - 1);
        if (safe <= 0) return out;
        let at = 0;
        const re = new RegExp(pattern.source, "g");
        for (let m = re.exec(pending); m !== null && m.index < safe; m = re.exec(pending)) {
          out += pending.slice(at, m.index) + CENSOR;
          at = m.index + m[0].length;
        }
        const cut = Math.max(at, safe);
        out += pending.slice(at, cut);
        pending = pending.slice(cut);
        return out;
      },
      end: (): string => {
        const out = this.text(pending);
        pending = "";
        return out;
      },
    };
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

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}


/** A redactor for a set of secret values (an action's `ctx.secrets`). */
export function redactorOf(secrets: Iterable<string>): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}
