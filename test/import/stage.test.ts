import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeAll } from "../../src/import/stage.js";

describe("writing an import's files", () => {
  it("leaves every file whole, old or new, and no temporary file, when a rename fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-stage-"));
    writeFileSync(join(dir, "a.yaml"), "old a\n");
    mkdirSync(join(dir, "b.yaml")); // a folder where a file should go: its rename fails
    const err = await writeAll(new Map([[join(dir, "a.yaml"), "new a\n"], [join(dir, "b.yaml"), "new b\n"]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    // Each file is whole, old or new: never a half-written one.
    expect(["old a\n", "new a\n"]).toContain(readFileSync(join(dir, "a.yaml"), "utf8"));
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("leaves the old file whole when a temporary file cannot be written", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ferry-stage-"));
    writeFileSync(join(dir, "a.yaml"), "old a\n");
    const err = await writeAll(new Map([[join(dir, "a.yaml"), "new a\n"], [join(dir, "missing", "\0bad"), "x"]])).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(readFileSync(join(dir, "a.yaml"), "utf8")).toBe("old a\n");
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });
});
