import { describe, expect, it } from "vitest";
import { type Acquired, Semaphore } from "./semaphore";

describe("Semaphore", () => {
  it("admits up to its limit, queues the rest, and hands slots over in order", async () => {
    const semaphore = new Semaphore(2);
    const a = await semaphore.acquire(100);
    const b = await semaphore.acquire(100);
    const order: string[] = [];
    const track = (name: string) => (result: Acquired) => {
      order.push(name);
      return result;
    };
    const c = semaphore.acquire(1000).then(track("c"));
    const d = semaphore.acquire(1000).then(track("d"));
    expect(semaphore.waiting).toBe(2);
    if (a.ok) a.release();
    if (b.ok) b.release();
    const [rc, rd] = await Promise.all([c, d]);
    expect(order).toEqual(["c", "d"]);
    expect(rc.ok && rd.ok).toBe(true);
    expect(semaphore.active).toBe(2);
  });

  it("gives up on a waiter after its maximum wait", async () => {
    const semaphore = new Semaphore(1);
    const held = await semaphore.acquire(10);
    const refused = await semaphore.acquire(30);
    expect(refused.ok).toBe(false);
    expect(semaphore.waiting).toBe(0);
    if (held.ok) held.release();
    expect(semaphore.active).toBe(0);
  });

  it("ignores a second release of the same slot", async () => {
    const semaphore = new Semaphore(1);
    const slot = await semaphore.acquire(10);
    if (slot.ok) {
      slot.release();
      slot.release();
    }
    expect(semaphore.active).toBe(0);
  });
});
