import { describe, expect, it } from "vitest";
import { IsoDate } from "../../src/model/common.js";

describe("IsoDate", () => {
  it("accepts real days only, with the Gregorian leap-year rule", () => {
    for (const ok of ["2024-02-29", "2000-02-29", "2027-12-31", "2027-04-30", "0001-01-01", "9999-12-31"]) expect(IsoDate.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["2023-02-29", "1900-02-29", "2100-02-29", "2027-02-30", "2027-04-31", "2027-13-01", "2027-00-10", "2027-01-00", "2027-1-10", "27-01-10"]) expect(IsoDate.safeParse(bad).success, bad).toBe(false);
  });
});
