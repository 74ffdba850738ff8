/**
 * An in-memory Journal for engine tests: the file journal's records (sequence, checksum, hash
 * chain, from the same encoder) without the disk, so a test can read back every event.
 */
import { encodeRecord, ZERO_HASH } from "../../src/journal/record.js";
import type { Journal, JournalRecord } from "../../src/journal/types.js";

export class MemoryJournal<T = unknown> implements Journal<T> {
  private readonly list: JournalRecord<T>[] = [];

  constructor(initial: T[] = []) {
    for (const e of initial) this.push(e);
  }

  private push(event: T): JournalRecord<T> {
    const prev = this.list.at(-1)?.sum ?? ZERO_HASH;
    const { record } = encodeRecord(this.list.length + 1, new Date().toISOString(), prev, structuredClone(event));
    this.list.push(record);
    return record;
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
