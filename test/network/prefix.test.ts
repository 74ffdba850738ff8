import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { contains, overlaps, parsePrefix, prefixSize } from "../../src/network/prefix.js";
import { findOverlaps } from "../../src/network/overlaps.js";
import { BlockAllocator, unionSize } from "../../src/network/allocator.js";

describe("parsePrefix", () => {
  it("reads an IPv4 prefix as an inclusive integer range", () => {
    const p = parsePrefix("10.1.10.0/24")!;
    expect(p).toMatchObject({ family: 4, length: 24, start: 0x0a010a00n, end: 0x0a010affn, text: "10.1.10.0/24" });
  });

  it("reads an IPv6 prefix in compressed form", () => {
    const p = parsePrefix("2001:0db8:0000::/48")!;
    expect(p.text).toBe("2001:db8::/48");
    expect(prefixSize(p)).toBe(1n << 80n);
  });

  it("handles the edge sizes /32, /0, /128 and ::/0", () => {
    expect(prefixSize(parsePrefix("10.0.0.1/32")!)).toBe(1n);
    expect(prefixSize(parsePrefix("0.0.0.0/0")!)).toBe(1n << 32n);
    expect(prefixSize(parsePrefix("2001:db8::1/128")!)).toBe(1n);
    expect(prefixSize(parsePrefix("::/0")!)).toBe(1n << 128n);
  });

  it("clears host bits and treats a bare address as a host prefix", () => {
    expect(parsePrefix("10.1.10.5/24")!.text).toBe("10.1.10.0/24");
    expect(parsePrefix("192.168.1.7")!.text).toBe("192.168.1.7/32");
  });

  it("rejects text that is not a prefix", () => {
    for (const bad of ["", "10.1.10.0/33", "2001:db8::/129", "10.1.10/24", "banana/8", "10.0.0.0/x"]) expect(parsePrefix(bad)).toBeUndefined();
  });

  it("never relates prefixes of different families", () => {
    const v4 = parsePrefix("0.0.0.0/0")!;
    const v6 = parsePrefix("::/0")!;
    expect(overlaps(v4, v6)).toBe(false);
    expect(contains(v6, parsePrefix("::ffff:10.0.0.0/104")!)).toBe(true);
    expect(contains(v4, parsePrefix("::1/128")!)).toBe(false);
  });
});

describe("findOverlaps", () => {
  it("finds nested and identical prefixes but not neighbours", () => {
    const items = ["10.0.0.0/8", "10.1.0.0/16", "10.1.0.0/16", "10.2.0.0/16", "11.0.0.0/8", "2001:db8::/32", "2001:db8:1::/48"].map((t, i) => ({
      prefix: parsePrefix(t)!,
      item: i,
    }));
    const pairs = findOverlaps(items).map(([a, b]) => `${a.item}-${b.item}`).sort();
    expect(pairs).toEqual(["0-1", "0-2", "0-3", "1-2", "5-6"]);
  });

  it("agrees with a brute-force comparison of every pair", () => {
    const prefix = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 8, max: 24 })).map(([a, b, len]) => parsePrefix(`10.${a}.${b}.0/${len}`)!);
    fc.assert(
      fc.property(fc.array(prefix, { maxLength: 40 }), (prefixes) => {
        const items = prefixes.map((p, i) => ({ prefix: p, item: i }));
        const fast = findOverlaps(items).map(([a, b]) => [Math.min(a.item, b.item), Math.max(a.item, b.item)].join("-")).sort();
        const slow: string[] = [];
        for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) if (overlaps(items[i]!.prefix, items[j]!.prefix)) slow.push(`${i}-${j}`);
        expect(fast).toEqual(slow.sort());
      }),
    );
  });
});

describe("BlockAllocator", () => {
  it("hands out the first free aligned block around reserved ranges", () => {
    const a = new BlockAllocator(parsePrefix("10.104.0.0/16")!);
    a.reserve(parsePrefix("10.104.0.0/24")!);
    a.reserve(parsePrefix("10.104.1.128/25")!);
    expect(a.allocate(24)!.text).toBe("10.104.2.0/24");
    expect(a.allocate(25)!.text).toBe("10.104.1.0/25");
    expect(a.allocate(24)!.text).toBe("10.104.3.0/24");
    expect(a.allocate(8)).toBeUndefined();
  });

  it("says so when the allocation is full", () => {
    const a = new BlockAllocator(parsePrefix("10.104.0.0/23")!);
    expect(a.allocate(24)!.text).toBe("10.104.0.0/24");
    expect(a.allocate(24)!.text).toBe("10.104.1.0/24");
    expect(a.allocate(24)).toBeUndefined();
    expect(a.allocate(32)).toBeUndefined();
  });

  it("allocates IPv6 blocks", () => {
    const a = new BlockAllocator(parsePrefix("2001:db8:100::/48")!);
    a.reserve(parsePrefix("2001:db8:100::/64")!);
    expect(a.allocate(64)!.text).toBe("2001:db8:100:1::/64");
  });

  it("counts a union of nested prefixes once", () => {
    expect(unionSize(["10.0.0.0/24", "10.0.0.0/25", "10.0.1.0/24"].map((t) => parsePrefix(t)!))).toBe(512n);
  });
});
