import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { readJournal } from "../../src/journal/read.js";
import { verifyChain } from "../../src/journal/record.js";
import { spawnFixture, tempStateDir, watchLines } from "./helpers.js";

const TRIALS = 24;

/** Seeded, so a failure can be replayed: the seed is in the test name. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("crash safety", () => {
  const seed = Number(process.env.FERRY_CRASH_SEED ?? Date.now() % 100_000);

  it(`keeps every acknowledged record through ${TRIALS} SIGKILLs at random points (seed ${seed})`, async () => {
    const random = rng(seed);
    const state = tempStateDir();
    const file = path.join(state, "runs", "crash", "journal.ndjson");
    let maxAcked = 0;
    let tornTails = 0;
    for (let trial = 0; trial < TRIALS; trial++) {
      // Kill after a random number of acknowledged appends, so the kill lands anywhere in the
      // write / fdatasync cycle of the batches still in flight.
      const killAfter = 1 + Math.floor(random() * 150);
      const child = spawnFixture("append-loop.ts", [state, "crash", trial === 0 ? "create" : "resume", String(1 + Math.floor(random() * 8))]);
      let acks = 0;
      let openedAt = -1;
      const done = watchLines(child, (line) => {
        const [word, n] = line.split(" ");
        if (word === "opened") openedAt = Number(n);
        if (word !== "acked") return;
        acks++;
        maxAcked = Math.max(maxAcked, Number(n));
        if (acks === killAfter) child.kill("SIGKILL");
      });
      const exit = await done;
      expect(exit.stderr).toBe("");
      expect(exit.signal).toBe("SIGKILL");
      // Resume picked up where the previous process stopped (and took over its dead lock).
      expect(openedAt).toBeGreaterThanOrEqual(trial === 0 ? 0 : 1);

      const contents = await readJournal(file);
      expect(contents.damage.every((d) => d.kind === "torn-tail")).toBe(true);
      expect(contents.damage.length).toBeLessThanOrEqual(1);
      tornTails += contents.damage.length;
      expect(verifyChain(contents.records).ok).toBe(true);
      // Every acknowledged record is there (seq is gap-free from 1, so the head bounds them all).
      expect(contents.head.seq).toBeGreaterThanOrEqual(maxAcked);
    }
    expect(fs.statSync(file).size).toBeGreaterThan(0);
    // SIGKILL cannot tear a write(2) on Linux, so torn tails come from the power-cut tests, not here.
    expect(tornTails).toBe(0);
  }, 120_000);
});
