/**
 * Text from the estate, runbooks, journals and remote hosts reaches the operator's terminal.
 * An ESC or OSC sequence in a value could recolour, retitle or rewrite the screen (or worse,
 * on terminals that honour clipboard and hyperlink sequences), so every control character but
 * newline and tab is shown as a visible escape (`\x1b` → `\u001b`) in everything ferry prints.
 */
// C0 controls except \t and \n, DEL, and C1 controls (0x80–0x9f; 0x9b is a one-byte CSI).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** `text` with its control characters (but newlines and tabs) made visible. */
export function printable(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
