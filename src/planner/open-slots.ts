/**
 * Which wave slots are still open, for "the first open slot at or after s" in near O(1): a
 * union-find over slot indices where a closed slot points to the next one. Slots only close
 * (a full wave never reopens during placement), which is what makes path compression safe.
 */
export class OpenSlots {
  /** nextOpen[s] === s while s is open; slotCount is a sentinel that is always "open". */
  private readonly nextOpen: Int32Array;

  constructor(slotCount: number) {
    this.nextOpen = Int32Array.from({ length: slotCount + 1 }, (_, i) => i);
  }

  /** The first open slot at or after `slot` (slotCount when none). */
  firstFrom(slot: number): number {
    let root = slot;
    while (this.nextOpen[root] !== root) root = this.nextOpen[root]!;
    while (this.nextOpen[slot] !== root) {
      const next = this.nextOpen[slot]!;
      this.nextOpen[slot] = root;
      slot = next;
    }
    return root;
  }

  close(slot: number): void {
    this.nextOpen[slot] = slot + 1;
  }
}
