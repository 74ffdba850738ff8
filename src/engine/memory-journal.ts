/**
 * An in-memory Journal for tests and dry runs: same contract as the file journal (sequence,
 * hash chain), no durability.
 */
import { createHash } from "node:crypto";
import type { Journal, JournalRecord } from "../journal/types.js";

const ZERO = "0".repeat(64);

export class MemoryJournal<T = unknown> implements Journal<T> {
  private readonly list: JournalRecord<T>[] = [];
  private prevLine = "";

  constructor(initial: T[] = []) {
    for (const e of initial) this.push(e);
  }

  private push(event: T): JournalRecord<T> {
    const seq = this.list.length + 1;
    const ts = new Date().toISOString();
    const prev = seq === 1 ? ZERO : createHash("sha256").update(this.prevLine).digest("hex");
    const body = JSON.stringify({ seq, ts, prev, event });
    const sum = createHash("sha256").update(body).digest("hex");
    const rec: JournalRecord<T> = { seq, ts, prev, event: structuredClone(event), sum };
    this.prevLine = JSON.stringify(rec);
    this.list.push(rec);
    return rec;
  }

  async append(event: T): Promise<JournalRecord<T>> {
    return this.push(event);
  }

  async records(): Promise<JournalRecord<T>[]> {
    return this.list.map((r) => structuredClone(r));
  }

  /** The events only, in order. */
  events(): T[] {
    return this.list.map((r) => r.event);
  }

  async close(): Promise<void> {}
}
