/**
 * Runs async jobs strictly one at a time in arrival order. A Durable Object's input gate
 * opens while a turn awaits the network, so without this two turns could interleave.
 */
export class TurnQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Jobs queued or running. */
  get size(): number {
    return this.waiting;
  }

  /** Queues a job; its result or error reaches only its own caller. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.waiting++;
    const result = this.tail.then(job);
    this.tail = result.then(
      () => this.waiting--,
      () => this.waiting--,
    );
    return result;
  }
}
