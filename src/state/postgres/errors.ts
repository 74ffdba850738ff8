/**
 * Database errors in words an operator can act on, with no secret in them: connection strings
 * lose their password wherever one appears in a message.
 */
import { withoutPasswords } from "../redact.js";

export { withoutPasswords };

/** A short, password-free description of a failed query or connection: the message and its code. */
export function describeDbError(err: unknown, redact: (text: string) => string = (t) => t): string {
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === "string" && e.message ? e.message : String(err);
  const code = typeof e?.code === "string" ? e.code : undefined;
  return redact(withoutPasswords(code && !message.includes(code) ? `${code}: ${message}` : message));
}
