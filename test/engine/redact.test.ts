import { describe, expect, it } from "vitest";
import { Redactor, redactorFor } from "../../src/engine/redact.js";

describe("redactorFor", () => {
  it("registers every application's secrets with the redactor it is given, and returns that redactor", () => {
    const base = new Redactor();
    const apps = [{ secrets: new Map([["FERRY_SECRET_DB", "hunter22"]]) }, { secrets: new Map([["FERRY_SECRET_API", "s3cr3t-token"]]) }];
    const r = redactorFor(apps, base);
    expect(r).toBe(base);
    expect(r.text("db=hunter22 api=s3cr3t-token")).toBe("db=*** api=***");
  });

  it("starts a new redactor when none is given", () => {
    const r = redactorFor([{ secrets: new Map([["FERRY_SECRET_X", "open-sesame"]]) }]);
    expect(r.text("say open-sesame")).toBe("say ***");
    expect(redactorFor([]).size).toBe(0);
  });
});
