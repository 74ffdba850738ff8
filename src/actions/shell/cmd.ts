/**
 * cmd.exe steps (`shell: cmd` on a Windows host). cmd has no quoting that holds for every
 * value: `%` expands inside quotes, `^` does not escape there, and each program splits its
 * own command line. So a value never enters the script text: it travels in an environment
 * variable (over stdin, like `env`) and the script reads it with delayed expansion,
 * `"!FERRY_V1!"`, which cmd expands after it has parsed `&`, `|`, `<`, `>` and `%`, and never
 * re-reads. The variable holds the value escaped for the Microsoft C runtime's argument
 * splitting (`\"` for a quote, backslashes before a quote doubled), so a program that splits
 * its command line that way (nearly all do) receives the value as one argument, byte for byte.
 */

export class CmdValueError extends Error {
  override name = "CmdValueError";
}

/**
 * The inside of a `"…"` argument that CommandLineToArgvW and the C runtime read back as
 * `value`: each run of backslashes before a `"` (or before the closing quote) is doubled and
 * the `"` itself becomes `\"`.
 */
export function argvEscape(value: string): string {
  if (value.includes("\0")) throw new CmdValueError("contains a NUL byte, which cannot be passed to a command");
  if (/[\r\n]/.test(value)) throw new CmdValueError("contains a line break, which a cmd command line cannot carry");
  return value.replace(/(\\*)"/g, (_m, bs: string) => `${bs}${bs}\\"`).replace(/(\\+)$/, "$1$1");
}

/**
 * Follows a cmd script to know whether the next value falls inside a `"…"` of the script's
 * own (where `"!FERRY_V1!"` would end the quote instead of starting one): refused there.
 * A quote's reach ends at the end of its line.
 */
export class CmdScanner {
  private quoted = false;
  private next = 1;
  /** Environment the script's values travel in: `FERRY_V<n>` → escaped value. */
  readonly env: Record<string, string> = {};

  text(piece: string): void {
    for (const c of piece) {
      if (c === "\n") this.quoted = false;
      else if (c === '"') this.quoted = !this.quoted;
    }
  }

  private place(): void {
    if (this.quoted) throw new CmdValueError('is inside "…" in a cmd step: write the value as its own argument, ferry quotes it');
  }

  value(value: string): string {
    this.place();
    const name = `FERRY_V${this.next++}`;
    this.env[name] = argvEscape(value);
    return `"!${name}!"`;
  }

  /** A secret: its variable holds the escaped value too (the name is FERRY_SECRET_…). */
  envRef(name: string, value: string): string {
    this.place();
    this.env[name] = argvEscape(value);
    return `"!${name}!"`;
  }
}
