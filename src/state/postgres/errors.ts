/**
 * Database errors in words an operator can act on, with no secret in them: connection strings
 * lose their password wherever one appears in a message.
 */

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, anywhere in a text. */
export function withoutPasswords(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, "$1***@").replace(/(password\s*=\s*)('[^']*'|\S+)/gi, "$1***");
}

/** A short, password-free description of a failed query or connection: the message and its code. */
export function describeDbError(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown };
  const message = typeof e?.message === "string" && e.message ? e.message : String(err);
  const code = typeof e?.code === "string" ? e.code : undefined;
  return withoutPasswords(code && !message.includes(code) ? `${code}: ${message}` : message);
}
