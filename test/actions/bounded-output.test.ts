import { describe, expect, it } from "vitest";
import { LineSplitter, TailBuffer } from "../../src/actions/bounded-output.js";

describe("bounded output", () => {
  it("keeps only the last bytes and counts what it dropped", () => {
    const buf = new TailBuffer(8);
    buf.push(Buffer.from("hello "));
    buf.push(Buffer.from("world!"));
    expect(buf.text()).toBe("o world!");
    expect(buf.dropped).toBe(4);
    expect(buf.truncated).toBe(true);
  });

  it("splits lines across chunks, including a multi-byte character cut in two", () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l));
    const bytes = Buffer.from("caf\u00e9\r\nsecond\nthi");
    split.push(bytes.subarray(0, 4)); // cuts the two-byte é
    split.push(bytes.subarray(4));
    split.push(Buffer.from("rd"));
    split.end();
    expect(lines).toEqual(["caf\u00e9", "second", "third"]);
  });

  it("emits an endless line in pieces", () => {
    const lines: string[] = [];
    const split = new LineSplitter((l) => lines.push(l), 10);
    split.push(Buffer.from("x".repeat(25)));
    split.end();
    expect(lines).toEqual(["x".repeat(10), "x".repeat(10), "x".repeat(5)]);
  });
});
