/** The states of a circuit breaker. */
export type BreakerState = "closed" | "open" | "half_open";

/** How a breaker trips and recovers. */
export interface BreakerOptions {
  /** consecutive failures that open the circuit */
  failureThreshold: number;
  /** how long the circuit stays open before one trial call is let through */
  cooldownMs: number;
}

/** A breaker's state as stored, so it survives the object that holds it. */
export interface BreakerSnapshot {
  state: BreakerState;
  failures: number;
  openedAt: number;
}

/** Whether a call may go ahead, and if not, when to try again. */
export type BreakerDecision = { allowed: true; trial: boolean } | { allowed: false; retryAfterMs: number };

/**
 * A circuit breaker: closed until `failureThreshold` consecutive failures, then open (calls
 * refused) for `cooldownMs`, then half-open: one trial call decides whether it closes again.
 * Transitions are reported so they can be shown as turn events.
 */
export class CircuitBreaker {
  private snapshot: BreakerSnapshot;
  private trialInFlight = false;

  constructor(
    private readonly options: BreakerOptions,
    initial: BreakerSnapshot = { state: "closed", failures: 0, openedAt: 0 },
    private readonly onChange: (from: BreakerState, to: BreakerState) => void = () => undefined,
  ) {
    this.snapshot = { ...initial };
  }

  get state(): BreakerState {
    return this.snapshot.state;
  }

  toJSON(): BreakerSnapshot {
    return { ...this.snapshot };
  }

  /** Asks to make a call now. */
  request(now: number): BreakerDecision {
    if (this.snapshot.state === "open") {
      const waited = now - this.snapshot.openedAt;
      if (waited < this.options.cooldownMs) return { allowed: false, retryAfterMs: this.options.cooldownMs - waited };
      this.move("half_open");
    }
    if (this.snapshot.state === "half_open") {
      if (this.trialInFlight)
        return { allowed: false, retryAfterMs: Math.max(1, Math.floor(this.options.cooldownMs / 10)) };
      this.trialInFlight = true;
      return { allowed: true, trial: true };
    }
    return { allowed: true, trial: false };
  }

  /** Reports a call that succeeded. */
  success(): void {
    this.trialInFlight = false;
    this.snapshot.failures = 0;
    if (this.snapshot.state !== "closed") this.move("closed");
  }

  /** Ends a call that did not test the model (cancelled, refused, misconfigured): no verdict. */
  release(): void {
    this.trialInFlight = false;
  }

  /** Reports a call that failed. */
  failure(now: number): void {
    this.trialInFlight = false;
    this.snapshot.failures++;
    if (this.snapshot.state === "half_open" || this.snapshot.failures >= this.options.failureThreshold) {
      this.snapshot.openedAt = now;
      if (this.snapshot.state !== "open") this.move("open");
    }
  }

  private move(to: BreakerState): void {
    const from = this.snapshot.state;
    this.snapshot.state = to;
    this.onChange(from, to);
  }
}
