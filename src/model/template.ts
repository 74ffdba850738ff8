/**
 * Runbook templates are `{{ dotted.path }}` lookups and nothing else: no expressions, filters
 * or code, so an input value can never become logic (pitfall: template injection).
 */

export type TemplatePart =
  | { kind: "text"; text: string }
  | { kind: "ref"; path: string[]; raw: string; offset: number };

export class TemplateSyntaxError extends Error {
  override name = "TemplateSyntaxError";
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const segment = /^(?:[A-Za-z_][A-Za-z0-9_-]*|\d+)$/;

/** Split a string into literal text and `{{ path }}` references. Throws TemplateSyntaxError. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf("{{", at);
    const strayClose = text.indexOf("}}", at);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      throw new TemplateSyntaxError("`}}` without a matching `{{`", strayClose);
    }
    if (open === -1) {
      parts.push({ kind: "text", text: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: "text", text: text.slice(at, open) });
    const close = text.indexOf("}}", open + 2);
    if (close === -1) throw new TemplateSyntaxError("`{{` without a closing `}}`", open);
    const raw = text.slice(open + 2, close).trim();
    const path = raw.split(".");
    if (raw === "" || !path.every((s) => segment.test(s))) {
      throw new TemplateSyntaxError(
        `\`{{ ${raw} }}\` is not a lookup; templates allow only dotted paths such as {{ app.id }} or {{ source.address }}`,
        open,
      );
    }
    parts.push({ kind: "ref", path, raw, offset: open });
    at = close + 2;
  }
  return parts;
}

/** True when the string contains at least one `{{`. Cheap pre-check before parsing. */
export function hasTemplate(text: string): boolean {
  return text.includes("{{");
}
