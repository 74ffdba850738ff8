// ALICE-style exploration: record the journal's syscall trace (writes with their bytes,
// fdatasyncs, acknowledgements), then build the file as a power cut could leave it at every
// point of the trace — everything synced, plus any prefix of the unsynced write, or that write's
// range zero-filled (size extended, data never written) — and check each state reads back as a
// valid prefix holding every acknowledged record.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openJournal } from "../../src/journal/file-journal.js";
import { nodeFs, type JournalFs } from "../../src/journal/fs.js";
import { readJournal } from "../../src/journal/read.js";
import { event, tempStateDir } from "./helpers.js";

type Step = { kind: "write"; bytes: Buffer } | { kind: "sync" } | { kind: "ack"; seq: number };

describe("power-cut crash states", () => {
  it("read back as a valid prefix with every acknowledged record, at every point of the syscall trace", async () => {
    const state = tempStateDir();
    const trace: Step[] = [];
    const io: JournalFs = {
      ...nodeFs,
      async write(fd, b, o, l) {
        const n = await nodeFs.write(fd, b, o, l);
        trace.push({ kind: "write", bytes: Buffer.from(b.subarray(o, o + n)) });
        return n;
      },
      async fdatasync(fd) {
        await nodeFs.fdatasync(fd);
        trace.push({ kind: "sync" });
      },
    };
    const j = await openJournal(state, "r1", { mode: "create", fs: io, lock: false });
    let n = 0;
    await Promise.all(
      Array.from({ length: 5 }, async () => {
        while (n < 120) {
          const r = await j.append(event(n++));
          trace.push({ kind: "ack", seq: r.seq });
        }
      }),
    );
    await j.close();

    const scratch = path.join(state, "crash-state.ndjson");
    let states = 0;
    let synced = Buffer.alloc(0);
    let unsynced: Buffer[] = [];
    let acked = 0;
    for (const step of trace) {
      if (step.kind === "ack") acked = step.seq;
      if (step.kind === "write") unsynced.push(step.bytes);
      if (step.kind === "sync") {
        synced = Buffer.concat([synced, ...unsynced]);
        unsynced = [];
      }
      const pending = Buffer.concat(unsynced);
      const lineEnds = [...pending.keys()].filter((i) => pending[i] === 0x0a);
      const cuts = new Set([0, pending.length, ...lineEnds, ...lineEnds.map((i) => i + 1), Math.floor(pending.length / 2), Math.floor(pending.length / 3)]);
      const candidates: Buffer[] = [];
      for (const cut of cuts) {
        candidates.push(Buffer.concat([synced, pending.subarray(0, cut)]));
        candidates.push(Buffer.concat([synced, pending.subarray(0, cut), Buffer.alloc(pending.length - cut)]));
      }
      for (const candidate of candidates) {
        fs.writeFileSync(scratch, candidate);
        const c = await readJournal(scratch);
        states++;
        expect(c.head.seq).toBeGreaterThanOrEqual(acked);
        expect(c.damage.length).toBeLessThanOrEqual(1);
        expect(c.damage.every((d) => d.kind === "torn-tail")).toBe(true);
      }
    }
    expect(states).toBeGreaterThan(500);
  }, 60_000);
});
