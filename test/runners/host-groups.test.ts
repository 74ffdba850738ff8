import { describe, expect, it } from "vitest";
import { hostGroups } from "../../src/runners/coordinator.js";

describe("applications that must run one at a time under runners", () => {
  it("groups applications sharing a host, directly or through another, and leaves lone ones out", () => {
    const g = hostGroups([
      { id: "a", hosts: ["h1"] },
      { id: "b", hosts: ["h2", "h1"] },
      { id: "c", hosts: ["h2"] },
      { id: "d", hosts: ["h3"] },
      { id: "e", hosts: ["h4"] },
      { id: "f", hosts: ["h4"] },
    ]);
    expect(g.get("a")).toBe(g.get("b"));
    expect(g.get("b")).toBe(g.get("c"));
    expect(g.get("e")).toBe(g.get("f"));
    expect(g.get("a")).not.toBe(g.get("e"));
    expect(g.has("d")).toBe(false);
  });
});
