/** Connection strings lose their password wherever one appears in a text ferry prints. */

/** `postgres://user:secret@host/db` → `postgres://user:***@host/db`, and `password=…` → `password=***`, anywhere in a text. */
export function withoutPasswords(text: string): string {
  return text.replace(/(postgres(?:ql)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, "$1***@").replace(/(password\s*=\s*)('[^']*'|[^\s&]+)/gi, "$1***");
}
