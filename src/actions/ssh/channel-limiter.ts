/**
 * Caps the channels ferry keeps open on one connection, below the server's `MaxSessions`
 * (OpenSSH default 10), and learns a lower cap when the server refuses a channel. Waiters
 * queue in FIFO order; a retry after a refusal goes to the front so it is not starved.
 */
export class ChannelLimiter {
  /** Channels currently open (or being opened) through this limiter. */
  active = 0;
  /** Highest `active` ever reached. */
  peak = 0;
  /** Channels the server has granted and that are still open. */
  openNow = 0;
  /** Most channels the server has granted at once: below it a refusal is a race. */
  granted = 0;
  private readonly waiters: { grant: () => void; fail: (err: unknown) => void; signal?: AbortSignal; onAbort?: () => void }[] = [];
  private readonly releaseListeners = new Set<() => void>();

  constructor(public limit: number) {}

  /** Waiting callers. */
  get queued(): number {
    return this.waiters.length;
  }

  /** Take a slot, waiting in line when all are in use. Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal, front = false): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.active < this.limit && this.waiters.length === 0) {
      this.take();
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        grant: () => {
          if (waiter.onAbort) signal?.removeEventListener("abort", waiter.onAbort);
          resolve();
        },
        fail: reject,
        signal,
        onAbort: undefined as (() => void) | undefined,
      };
      if (signal) {
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      if (front) this.waiters.unshift(waiter);
      else this.waiters.push(waiter);
    });
  }

  private take(): void {
    this.active++;
    this.peak = Math.max(this.peak, this.active);
  }

  /** The server granted the channel this slot was taken for. */
  opened(): void {
    this.openNow++;
    this.granted = Math.max(this.granted, this.openNow);
  }

  /** Give a slot back (`wasOpen`: its channel had been granted) and hand it to the next waiter. */
  release(wasOpen = false): void {
    this.active = Math.max(0, this.active - 1);
    if (wasOpen) this.openNow = Math.max(0, this.openNow - 1);
    this.dispatch();
    for (const l of [...this.releaseListeners]) l();
  }

  private dispatch(): void {
    while (this.active < this.limit && this.waiters.length > 0) {
      this.take();
      this.waiters.shift()!.grant();
    }
  }

  /**
   * The server refused a channel while `others` other granted channels were open. Lowers the cap when that many is all the server has ever granted;
   * below that, the server had not yet freed a closed session: a race, not a limit.
   * @returns whether the cap was lowered
   */
  refused(others: number): boolean {
    if (others > 0 && others >= this.granted && others < this.limit) {
      this.limit = others;
      return true;
    }
    return false;
  }

  /** Resolves at the next release or after `ms`, whichever is first. */
  nextRelease(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.releaseListeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.releaseListeners.add(done);
    });
  }

  /** Fail every waiter (the connection is gone). */
  failAll(err: unknown): void {
    for (const w of this.waiters.splice(0)) {
      if (w.onAbort) w.signal?.removeEventListener("abort", w.onAbort);
      w.fail(err);
    }
  }
}
