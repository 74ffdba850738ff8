/** Control characters from estate values and remote output never reach the terminal raw. */
import { describe, expect, it } from "vitest";
import { printable } from "../../src/model/printable.js";
import { describeEvent } from "../../src/engine/output/describe.js";
import { RUN_EVENT_VERSION, type RunEvent } from "../../src/model/run-event.js";

const ESC = "\u001b";

describe("printable", () => {
  it("shows ESC, OSC, BEL, CR, DEL and one-byte CSI as visible escapes, keeping newlines and tabs", () => {
    expect(printable(`a${ESC}]0;pwned\u0007b\rc\u007fd\u009be\n\tf`)).toBe("a\\u001b]0;pwned\\u0007b\\u000dc\\u007fd\\u009be\n\tf");
  });

  it("is idempotent and leaves ordinary text, accents and emoji alone", () => {
    const text = "Northampton — Daventry, café ✓";
    expect(printable(text)).toBe(text);
    expect(printable(printable(`${ESC}[2J`))).toBe("\\u001b[2J");
  });
});

describe("run output", () => {
  it("escapes control characters in every described event (plain lines and the live view's log)", () => {
    const e = {
      v: RUN_EVENT_VERSION,
      at: "2027-01-12T19:00:00.000Z",
      run: "r",
      type: "step.failed",
      app: "crm",
      step: "move",
      attempt: 1,
      error: { code: "command-failed", message: `exit 1: ${ESC}]52;c;cm0gLXJmIC8=\u0007${ESC}[2J` },
    } as unknown as RunEvent;
    const text = describeEvent(e)!;
    expect(text).not.toContain(ESC);
    expect(text).toContain("\\u001b]52;c;");
  });
});
