import { StringDecoder } from "node:string_decoder";

/**
 * Keeps the last `limit` bytes written to it, so a chatty command cannot exhaust memory
 * while the tail (where the error usually is) survives.
 */
export class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  /** Bytes dropped from the front so far. */
  dropped = 0;

  constructor(readonly limit: number) {}

  push(chunk: Buffer): void {
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
    return Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}

/**
 * Splits a byte stream into lines (LF or CRLF) for live display, decoding UTF-8 across chunk
 * boundaries. Lines longer than `maxLine` characters are emitted in pieces so one endless
 * line cannot grow without bound.
 */
export class LineSplitter {
  private decoder = new StringDecoder("utf8");
  private pending = "";

  constructor(
    private readonly emit: (line: string) => void,
    private readonly maxLine = 8192,
  ) {}

  push(chunk: Buffer): void {
    this.pending += this.decoder.write(chunk);
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
    this.pending += this.decoder.end();
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
