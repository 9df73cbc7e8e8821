/** Outcome of waiting for a slot. */
export type Acquired = { ok: true; release: () => void } | { ok: false; waitedMs: number };

/**
 * A counting semaphore whose waiters give up after `maxWaitMs`, so a saturated gateway
 * queues callers briefly and then refuses them instead of letting a backlog build.
 */
export class Semaphore {
  private inUse = 0;
  private readonly waiters: Array<(release: () => void) => void> = [];

  constructor(private readonly limit: number) {}

  get active(): number {
    return this.inUse;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  async acquire(maxWaitMs: number): Promise<Acquired> {
    if (this.inUse < this.limit) {
      this.inUse++;
      return { ok: true, release: this.releaser() };
    }
    const started = Date.now();
    return new Promise<Acquired>((resolve) => {
      const waiter = (release: () => void) => {
        clearTimeout(timer);
        resolve({ ok: true, release });
      };
      const timer = setTimeout(() => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve({ ok: false, waitedMs: Date.now() - started });
      }, maxWaitMs);
      this.waiters.push(waiter);
    });
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // the slot passes straight to the next waiter
      if (next) next(this.releaser());
      else this.inUse--;
    };
  }
}
