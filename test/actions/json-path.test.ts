import { describe, expect, it } from "vitest";
import { getJsonPath, jsonEquals, parseJsonPath } from "../../src/actions/json-path.js";

describe("json path", () => {
  it("parses dotted keys and array indices in both spellings", () => {
    expect(parseJsonPath("data.items[0].name")).toEqual(["data", "items", 0, "name"]);
    expect(parseJsonPath("data.items.0.name")).toEqual(["data", "items", 0, "name"]);
    expect(parseJsonPath("$.matrix[1][2]")).toEqual(["matrix", 1, 2]);
  });

  it("refuses malformed paths", () => {
    expect(() => parseJsonPath("a..b")).toThrow(/is not a path/);
    expect(() => parseJsonPath("a[x]")).toThrow(/is not a path/);
  });

  it("finds values and reports missing ones, including null values that exist", () => {
    const doc = { data: { items: [{ name: "db" }], gone: null } };
    expect(getJsonPath(doc, "data.items[0].name")).toEqual({ found: true, value: "db" });
    expect(getJsonPath(doc, "data.gone")).toEqual({ found: true, value: null });
    expect(getJsonPath(doc, "data.items[3].name").found).toBe(false);
    expect(getJsonPath(doc, "data.items.name").found).toBe(false);
  });

  it("compares strictly, except that text matches a number or boolean with the same spelling", () => {
    expect(jsonEquals(3, "3")).toBe(true);
    expect(jsonEquals(true, "true")).toBe(true);
    expect(jsonEquals("3", 3)).toBe(false);
    expect(jsonEquals(null, "null")).toBe(false);
    expect(jsonEquals(null, null)).toBe(true);
  });
});
