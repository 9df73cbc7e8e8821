import { type BreakerOptions, CircuitBreaker } from "../../../shared/models/breaker";

/** Most breakers an isolate keeps; the least recently used one goes first beyond that. */
const MAX_BREAKERS = 10_000;

/**
 * Local models' circuit breakers, one per tenant and model, shared by the sessions of an
 * isolate: one tenant's failing calls (a bad key, a model it overloads) never send another
 * tenant's turns to the central model, at that tenant's cost.
 */
export class LocalBreakers {
  private readonly breakers = new Map<string, CircuitBreaker>();

  constructor(private readonly limit = MAX_BREAKERS) {}

  /** The breaker of `model` for `tenant`. */
  of(tenant: string, model: string, options: BreakerOptions): CircuitBreaker {
    const key = `${tenant}\u0000${model}`;
    let breaker = this.breakers.get(key);
    if (breaker) this.breakers.delete(key);
    else breaker = new CircuitBreaker(options);
    // a Map keeps insertion order: re-inserting marks it most recently used
    this.breakers.set(key, breaker);
    if (this.breakers.size > this.limit) this.breakers.delete(this.breakers.keys().next().value as string);
    return breaker;
  }
}

/** The isolate's local breakers. */
export const localBreakers = new LocalBreakers();
