import { describe, expect, it } from "vitest";
import { approvalFileName, planHashForms, SHA256_TAGGED } from "../../src/model/plan-hash.js";

const HEX = "0123456789abcdef" + "fedcba9876543210" + "00112233445566778899aabbccddeeff";
const HASH = `sha256:${HEX}`;

describe("planHashForms", () => {
  it("spells the hash as the plan records it, as bare hex, and as its first 16 hex digits", () => {
    expect(planHashForms(HASH)).toEqual({ full: HASH, hex: HEX, short: "0123456789abcdef" });
  });

  it("gives the short form lock names have always used (characters 7 to 23 of the full hash)", () => {
    expect(planHashForms(HASH).short).toBe(HASH.slice(7, 23));
  });

  it.each([
    ["bare hex", HEX],
    ["another algorithm", `sha512:${HEX}`],
    ["too few digits", HASH.slice(0, -1)],
    ["upper-case digits", HASH.toUpperCase().replace("SHA256", "sha256")],
    ["an empty string", ""],
  ])("refuses %s, naming what it got", (_, bad) => {
    expect(() => planHashForms(bad)).toThrow(`not a plan hash: expected sha256:<64 lowercase hex digits>, got ${JSON.stringify(bad)}`);
  });

  it("accepts exactly what the plan and approval schemas accept", () => {
    expect(SHA256_TAGGED.test(HASH)).toBe(true);
    expect(SHA256_TAGGED.test(`${HASH}0`)).toBe(false);
  });
});

describe("approvalFileName", () => {
  it("names the approval of a wave by the hash's bare hex", () => {
    expect(approvalFileName(HASH, 3)).toBe(`${HEX}-wave-3.yaml`);
  });

  it("refuses a wave that is not a wave number", () => {
    expect(() => approvalFileName(HASH, 0)).toThrow("not a wave number");
    expect(() => approvalFileName(HASH, 1.5)).toThrow("not a wave number");
  });

  it("refuses a malformed plan hash", () => {
    expect(() => approvalFileName(HEX, 1)).toThrow("not a plan hash");
  });
});
