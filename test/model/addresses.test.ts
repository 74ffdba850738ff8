/**
 * Host addresses take a fast path for plain dotted quads (dottedQuadValue); everything else goes
 * to ip-address. The fast path must agree with the library on every text it accepts.
 */
import { Address4 } from "ip-address";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dottedQuadValue, IpAddress, parseAddress, rangeOf } from "../../src/model/common.js";

const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.constantFrom("00", "01", "010", "256", "999", "-1", "1a", "", " 1"));
const quadish = fc.oneof(
  fc.tuple(octet, octet, octet, octet).map((parts) => parts.join(".")),
  fc.constantFrom("10.1.2", "10.1.2.3.4", "10.1.2.3/32", "::1", "2001:db8::5", "::ffff:10.1.2.3", "10.1.2.3 ", "1e1.0.0.1"),
);

describe("plain IPv4 addresses", () => {
  it("are read as the library reads them, and anything else is left to it", () => {
    fc.assert(
      fc.property(quadish, (text) => {
        const fast = dottedQuadValue(text);
        if (fast !== undefined) {
          expect(Address4.isValid(text), text).toBe(true);
          expect(BigInt(fast), text).toBe(new Address4(text).bigInt());
        }
        // The schema's verdict is the library's verdict.
        expect(IpAddress.safeParse(text).success, text).toBe(parseAddress(text) !== undefined);
      }),
      { numRuns: 2000 },
    );
  });

  it("give the same range as the library", () => {
    fc.assert(
      fc.property(fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)), (parts) => {
        const text = parts.join(".");
        const lib = new Address4(text);
        expect(rangeOf(text)).toEqual({ v6: false, start: lib.startAddress().bigInt(), end: lib.endAddress().bigInt() });
      }),
    );
    expect(dottedQuadValue("255.255.255.255")).toBe(2 ** 32 - 1);
    expect(dottedQuadValue("010.1.1.1")).toBeUndefined();
  });
});
