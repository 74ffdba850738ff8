/**
 * One line of progress on a terminal while a long step runs (reading a 100k-application estate
 * takes seconds): rewritten in place, erased when the step ends, and silent when the stream is
 * not a terminal, so pipelines and redirected output never see it. Nothing is shown for steps
 * that end within `delayMs`, so small projects do not flicker.
 */
export interface StatusLine {
  /** Show `text`; frequent updates are thinned out, except a `phase` change, which is always drawn. */
  update(text: string, phase?: boolean): void;
  /** Erase the line (if one was drawn). Idempotent. */
  done(): void;
}

export interface StatusLineOptions {
  stream?: Pick<NodeJS.WriteStream, "write" | "isTTY" | "columns">;
  delayMs?: number;
  /** Least time between redraws. */
  intervalMs?: number;
  now?: () => number;
}

export function statusLine(opts: StatusLineOptions = {}): StatusLine {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY) return { update() {}, done() {} };
  const now = opts.now ?? Date.now;
  const shownAfter = now() + (opts.delayMs ?? 300);
  const interval = opts.intervalMs ?? 100;
  let drawnAt = -Infinity;
  let drawn = false;
  return {
    update(text, phase = false) {
      const t = now();
      if (t < shownAfter || (!phase && t - drawnAt < interval)) return;
      drawnAt = t;
      drawn = true;
      // Cut to the terminal's width: a wrapped line could not be rewritten in place.
      const width = Math.max(20, (stream.columns || 80) - 1);
      stream.write(`\r\x1b[K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    },
    done() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
