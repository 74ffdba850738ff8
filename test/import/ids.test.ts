import { describe, expect, it } from "vitest";
import { allocateIds, hostId, slugId } from "../../src/import/ids.js";

describe("ids derived from names", () => {
  it("are lowercase slugs without accents or punctuation", () => {
    expect(slugId("Revenues & Benefits (iWorld)")).toBe("revenues-and-benefits-iworld");
    expect(slugId("Café Système")).toBe("cafe-systeme");
    expect(slugId("---")).toBe("unnamed");
  });

  it("use a server's short name, not its domain", () => {
    expect(hostId("NBC-IWORLD01.northampton.local")).toBe("nbc-iworld01");
    expect(hostId("10.1.10.5")).toBe("10-1-10-5");
  });

  it("resolve collisions by the stable key, whatever the row order", () => {
    const rows = [
      { key: "uuid-b", slug: "app01" },
      { key: "uuid-a", slug: "app01" },
      { key: "uuid-c", slug: "app01-2" },
    ];
    const one = allocateIds(rows);
    const two = allocateIds([...rows].reverse());
    expect(Object.fromEntries(one)).toEqual({ "uuid-a": "app01", "uuid-b": "app01-3", "uuid-c": "app01-2" });
    expect(Object.fromEntries(two)).toEqual(Object.fromEntries(one));
  });
});
