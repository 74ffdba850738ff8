import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CODES } from "../../src/model/codes.js";

describe("the error-code registry", () => {
  it("is documented in docs/errors.md, code for code, with no stale entries", () => {
    const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    const documented = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]).sort();
    expect(documented).toEqual(Object.keys(CODES).sort());
  });
});
