import { describe, expect, it } from "vitest";
import { Semaphore } from "../../src/engine/semaphore.js";

describe("Semaphore", () => {
  it("lets at most `limit` holders in, the others in arrival order as slots are released", async () => {
    const sem = new Semaphore(2);
    const order: number[] = [];
    let holding = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 7 }, async (_, i) => {
        const release = await sem.acquire();
        order.push(i);
        most = Math.max(most, ++holding);
        await new Promise((r) => setImmediate(r));
        holding--;
        release();
      }),
    );
    expect(most).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it("frees a slot once however often its release is called, and treats a limit below 1 as 1", async () => {
    const sem = new Semaphore(0);
    const first = await sem.acquire();
    let second = false;
    const waiting = sem.acquire().then((r) => {
      second = true;
      return r;
    });
    await new Promise((r) => setImmediate(r));
    expect(second).toBe(false);
    first();
    first();
    const release = await waiting;
    expect(second).toBe(true);
    let third = false;
    void sem.acquire().then(() => (third = true));
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(false); // the double release did not make a second slot
    release();
    await new Promise((r) => setImmediate(r));
    expect(third).toBe(true);
  });
});
