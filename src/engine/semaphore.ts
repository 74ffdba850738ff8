/**
 * A counting semaphore: at most `limit` holders at once, the others served in arrival order.
 * The scheduler takes one per limit (global, per site, per host) for each application; it is
 * this small on purpose, because a wave of thousands of applications asks for a slot once each
 * and a general task queue spent more time per slot than a no-op application's whole runbook.
 */
export class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  /** Index of the next waiter to wake: a queue without shifting the array each time. */
  #head = 0;

  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }

  /** Resolves with the slot's release once a slot is free; call the release exactly once. */
  acquire(): Promise<() => void> {
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => this.#waiting.push(() => resolve(this.#releaser())));
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (this.#head < this.#waiting.length) {
        // The slot passes straight to the next waiter.
        const next = this.#waiting[this.#head]!;
        this.#waiting[this.#head++] = undefined as never;
        if (this.#head === this.#waiting.length) {
          this.#waiting.length = 0;
          this.#head = 0;
        }
        next();
      } else this.#free++;
    };
  }
}
