/**
 * Issue 12, item 13: output is redacted before it is cut to its 64 KiB tail or split into
 * lines, so a secret straddling a cut or a chunk boundary leaves no part of itself anywhere.
 */
import pino from "pino";
import { describe, expect, it } from "vitest";
import { LineSplitter, TailBuffer } from "../../src/actions/bounded-output.js";
import { createLocalAction } from "../../src/actions/local.js";
import { Redactor } from "../../src/actions/redactor.js";
import type { ActionContext } from "../../src/actions/types.js";

const SECRET = "s3cr3t-Ab9Kq2Lm7Xw4Pz8Rt6J"; // 26 characters, as in the issue
const LIMIT = 64 * 1024;

function redactor(...secrets: string[]): Redactor {
  const r = new Redactor();
  for (const s of secrets) r.add(s);
  return r;
}

/** Any piece of the secret of 4 characters or more (shorter ones occur in ordinary text). */
function fragmentOf(text: string): string | undefined {
  for (let len = SECRET.length; len >= 4; len--) {
    for (let i = 0; i + len <= SECRET.length; i++) if (text.includes(SECRET.slice(i, i + len))) return SECRET.slice(i, i + len);
  }
  return undefined;
}

/** Split `text` into Buffers at the given character offsets. */
function chunks(text: string, at: number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const a of [...at, text.length]) {
    out.push(Buffer.from(text.slice(from, a)));
    from = a;
  }
  return out;
}

describe("a stream redactor", () => {
  it("replaces a secret split across pieces at every offset, as redacting the whole text would", () => {
    const r = redactor(SECRET, "another-secret-value");
    const text = `a ${SECRET} b another-secret-value c ${Buffer.from(SECRET).toString("base64")} d`;
    for (let cut = 0; cut <= text.length; cut++) {
      for (const cut2 of [cut, Math.min(text.length, cut + 3), Math.min(text.length, cut + 17)]) {
        const s = r.stream();
        const out = s.push(text.slice(0, cut)) + s.push(text.slice(cut, cut2)) + s.push(text.slice(cut2)) + s.end();
        expect(out).toBe(r.text(text));
      }
    }
  });
});

describe("bounded output with a redactor", () => {
  it("keeps no part of a secret straddling the 64 KiB cut", () => {
    // The cut falls 16 characters into the secret: the 16 of 26 characters.
    const text = "x".repeat(1000) + SECRET + "y".repeat(LIMIT - 16);
    for (const at of [[], [1005], [1010, 1020], [1000 + SECRET.length]]) {
      const tail = new TailBuffer(LIMIT, redactor(SECRET));
      for (const c of chunks(text, at)) tail.push(c);
      const kept = tail.text();
      expect(tail.truncated).toBe(true);
      expect(fragmentOf(kept)).toBeUndefined();
    }
  });

  it("without a redactor the same cut keeps 16 characters of it (what the engine saw before)", () => {
    const tail = new TailBuffer(LIMIT);
    tail.push(Buffer.from("x".repeat(1000) + SECRET + "y".repeat(LIMIT - 16)));
    expect(SECRET).toHaveLength(26);
    expect(tail.text().startsWith(SECRET.slice(10))).toBe(true);
  });

  it("replaces a secret that a long line's split would cut in two", () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l), 8192, redactor(SECRET));
    const text = "z".repeat(8192 - 10) + SECRET + "z".repeat(100) + "\n";
    for (const c of chunks(text, [4000, 8185, 8190, 8200])) split.push(c);
    split.end();
    expect(fragmentOf(lines.join("\n"))).toBeUndefined();
    expect(lines.join("")).toContain("***");
  });

  it("emits a complete line at once, with no delay for the characters a secret could need", () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l), 8192, redactor(SECRET));
    split.push(Buffer.from("ready\n"));
    expect(lines).toEqual(["ready"]);
    split.push(Buffer.from(`token ${SECRET.slice(0, 9)}`));
    split.push(Buffer.from(`${SECRET.slice(9)} end\n`));
    expect(lines).toEqual(["ready", "token *** end"]);
  });

  it("leaves no line of a multi-line secret (a key file) cut between pieces", () => {
    const key = "-----BEGIN KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj\n-----END KEY-----";
    const text = `before\n${key}\nafter\n`;
    for (let cut = 0; cut <= text.length; cut += 3) {
      const tail = new TailBuffer(LIMIT, redactor(key));
      for (const c of chunks(text, [cut])) tail.push(c);
      const kept = tail.text();
      expect(kept).not.toContain("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC".slice(0, 8));
      expect(kept).not.toContain("BKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj".slice(-8));
    }
  });

  it("keeps output unchanged when there is no secret", () => {
    const tail = new TailBuffer(10, new Redactor());
    tail.push(Buffer.from("hello world, hi"));
    expect(tail.text()).toBe(" world, hi");
  });
});

describe("the local action", () => {
  function ctx(lines: string[]): ActionContext {
    return {
      signal: new AbortController().signal,
      log: pino({ level: "silent" }),
      onLine: (_s, l) => lines.push(l),
      host: () => undefined,
      secrets: new Map([["FERRY_SECRET_ENV_DB_PASSWORD", SECRET]]),
      cwd: process.cwd(),
    };
  }

  it("returns and streams output with no part of a secret that straddles the 64 KiB cut or a line split", async () => {
    const lines: string[] = [];
    // 1000 x, the secret, then 64 KiB - 16 y: the tail starts 16 characters into the secret.
    const run = `head -c 1000 /dev/zero | tr '\\0' x; printf %s "$FERRY_SECRET_ENV_DB_PASSWORD"; head -c ${LIMIT - 16} /dev/zero | tr '\\0' y; echo; head -c 8180 /dev/zero | tr '\\0' z; printf '%s\\n' "$FERRY_SECRET_ENV_DB_PASSWORD" >&2; printf %s "$FERRY_SECRET_ENV_DB_PASSWORD"`;
    const out = await createLocalAction().run(ctx(lines), { run });
    expect(fragmentOf(String(out.stdout))).toBeUndefined();
    expect(fragmentOf(String(out.stderr))).toBeUndefined();
    expect(fragmentOf(lines.join("\n"))).toBeUndefined();
    expect(String(out.stderr)).toBe("***");
  });
});
