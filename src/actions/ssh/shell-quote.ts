/**
 * POSIX shell quoting for the wrapper ferry builds around a remote command. The engine quotes
 * template values with its own copy (src/engine/shell-quote.ts); actions may not import the
 * engine, so this layer keeps the same three lines. Both must stay byte-identical in behaviour.
 */

/**
 * Quote one value as a single POSIX shell word (single quotes, each `'` written as `'\''`).
 * NUL cannot travel in an argv, so it is refused rather than silently truncated.
 * @example shellQuote("it's") === "'it'\\''s'"
 */
export function shellQuote(value: string): string {
  if (value.includes("\0")) throw new TypeError("a shell word cannot contain a NUL byte");
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
