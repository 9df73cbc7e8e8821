/** How a queued job came out: it ran, or a reset made it stale before it started. */
export type QueuedResult<T> = { status: "completed"; value: T } | { status: "stale" };

/**
 * Runs async jobs strictly one at a time in arrival order. A Durable Object's input gate
 * opens while a turn awaits the network, so without this two turns could interleave.
 * `reset()` starts a new generation: jobs queued before it that have not started yet do not
 * run and come out stale (an interrupting message supersedes the ones queued before it).
 */
export class TurnQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private current = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.waiting;
  }

  /** The generation new jobs are bound to. */
  get generation(): number {
    return this.current;
  }

  /** Queues a job bound to the current generation; its result or error reaches only its own caller. */
  run<T>(job: () => Promise<T>): Promise<QueuedResult<T>> {
    const generation = this.current;
    return this.enqueue(async () =>
      isStale(generation, this.current) ? { status: "stale" } : { status: "completed", value: await job() },
    );
  }

  /** Queues a job that runs whatever resets come before it starts (an erase, a waiting turn). */
  runAlways<T>(job: () => Promise<T>): Promise<T> {
    return this.enqueue(job);
  }

  /** Makes every job queued so far that has not started stale; the running one goes on. */
  reset(): void {
    this.current++;
  }

  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job);
    const done = () => {
      this.waiting--;
    };
    this.tail = result.then(done, done);
    return result;
  }
}

/** A job bound to `generation` is stale once the queue has moved past it. */
export function isStale(generation: number, current: number): boolean {
  return generation < current;
}
