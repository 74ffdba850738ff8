/**
 * POSIX shell quoting for values interpolated into `run` commands. A value always becomes
 * exactly one word, byte for byte: `x; rm -rf /` arrives as one literal argument.
 */

export class UnsafeValueError extends Error {
  override name = "UnsafeValueError";
}

/**
 * Quote one value as a single POSIX shell word: wrap in single quotes, and write each `'` as
 * `'\''`. Inside single quotes no character is special, so `$(…)`, backticks, `;`, newlines,
 * globs and RTL marks all stay literal. NUL cannot be passed in an argv at all, so it is
 * refused rather than silently truncating the value.
 *
 * A value with a leading `-` is still one word; whether the command treats it as an option
 * is up to the runbook author (write `-- {{ value }}` where it matters).
 *
 * @example shellQuote("it's") === "'it'\\''s'"
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new UnsafeValueError("contains a NUL byte, which cannot be passed to a command");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
