import { StringDecoder } from "node:string_decoder";
import type { Redactor } from "./redactor.js";

/** A redacting view of a byte stream: UTF-8 decoded across chunks, secrets replaced across chunks. */
class RedactedBytes {
  private readonly decoder = new StringDecoder("utf8");
  private readonly stream;
  constructor(redactor: Redactor) {
    this.stream = redactor.stream();
  }
  push(chunk: Buffer): string {
    return this.stream.push(this.decoder.write(chunk));
  }
  end(): string {
    return this.stream.push(this.decoder.end()) + this.stream.end();
  }
}

/**
 * Keeps the last `limit` bytes written to it, so a chatty command cannot exhaust memory
 * while the tail (where the error usually is) survives. With a redactor, secrets are replaced
 * in the stream before it is cut, so no part of a secret straddling the cut is kept.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front so far. */
  dropped = 0;
  private readonly redacted: RedactedBytes | undefined;

  constructor(
    readonly limit: number,
    redactor?: Redactor,
  ) {
    this.redacted = redactor && redactor.size > 0 ? new RedactedBytes(redactor) : undefined;
  }

  push(chunk: Buffer): void {
    if (this.redacted) this.keep(Buffer.from(this.redacted.push(chunk), "utf8"));
    else this.keep(chunk);
  }

  private keep(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.limit && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.limit;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
        this.dropped += excess;
      }
    }
  }

  /** Whether anything was dropped. */
  get truncated(): boolean {
    return this.dropped > 0;
  }

  /**
   * The retained bytes as UTF-8. A multi-byte character cut at the front becomes U+FFFD,
   * which is acceptable for a tail kept for people to read.
   */
  text(): string {
    // What the redactor still held back (a possible start of a secret) is final now.
    if (this.redacted) this.keep(Buffer.from(this.redacted.end(), "utf8"));
    return Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}

/**
 * Splits a byte stream into lines (LF or CRLF) for live display, decoding UTF-8 across chunk
 * boundaries. Lines longer than `maxLine` characters are emitted in pieces so one endless
 * line cannot grow without bound. With a redactor, secrets are replaced before the split, so
 * one cut into two pieces is still replaced whole.
 */
export class LineSplitter {
  private decoder = new StringDecoder("utf8");
  private pending = "";
  private readonly redacted: RedactedBytes | undefined;

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLine = 8192,
    redactor?: Redactor,
  ) {
    this.redacted = redactor && redactor.size > 0 ? new RedactedBytes(redactor) : undefined;
  }

  push(chunk: Buffer): void {
    this.pending += this.redacted ? this.redacted.push(chunk) : this.decoder.write(chunk);
    this.split();
  }

  private split(): void {
    let nl: number;
    while ((nl = this.pending.indexOf("\n")) >= 0) {
      const line = this.pending.slice(0, nl);
      this.pending = this.pending.slice(nl + 1);
      this.emit(line.endsWith("\r") ? line.slice(0, -1) : line);
    }
    while (this.pending.length > this.maxLine) {
      this.emit(this.pending.slice(0, this.maxLine));
      this.pending = this.pending.slice(this.maxLine);
    }
  }

  /** Emit the last line when the stream ended without a newline. */
  end(): void {
    this.pending += this.redacted ? this.redacted.end() : this.decoder.end();
    this.split();
    if (this.pending.length > 0) this.emit(this.pending);
    this.pending = "";
  }
}

/** Shorten text for an error message, keeping its end (where errors usually are). */
export function tail(text: string, max = 2000): string {
  const t = text.trimEnd();
  return t.length <= max ? t : `…${t.slice(t.length - max)}`;
}

/** Shorten text for an error message, keeping its start (commands, bodies). */
export function head(text: string, max = 200): string {
  const t = text.trim();
  return t.length <= max ? t : `${t.slice(0, max)}…`;
}
