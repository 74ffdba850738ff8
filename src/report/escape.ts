/** Escape text for HTML element content and attribute values (also valid inside inline SVG). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/**
 * Escape text for a Markdown paragraph or table cell: Markdown punctuation is backslash-escaped,
 * `<`, `>` and `&` become entities (GitHub and Azure DevOps render inline HTML), `|` cannot end
 * a cell, and line breaks become spaces.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/([\\`*_[\]{}()#+!|~])/g, "\\$1")
    .replace(/\r?\n|\r/g, " ");
}

/**
 * A Mermaid label in double quotes. Mermaid has no backslash escapes inside labels; it takes
 * `#quot;`-style entity codes, so quotes and the characters Mermaid or Markdown would read as
 * syntax are written as `#<code>;`.
 */
export function mermaidLabel(text: string): string {
  const escaped = text.replace(/[#"<>&;`|[\]{}()]/g, (c) => `#${c.charCodeAt(0)};`).replace(/\r?\n|\r/g, " ");
  return `"${escaped}"`;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break, quotes doubled.
 * Text that a spreadsheet would run as a formula (leading `=`, `+`, `-`, `@`, tab or CR) is
 * prefixed with `'`, the usual guard against CSV injection; numbers are written as they are.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
