import { describe, expect, it } from "vitest";
import { CircuitBreaker } from "./breaker";

describe("CircuitBreaker", () => {
  it("opens after consecutive failures, refuses during the cool-down, then lets one trial through", () => {
    const changes: string[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1000 }, undefined, (from, to) =>
      changes.push(`${from}->${to}`),
    );
    breaker.failure(0);
    breaker.failure(1);
    expect(breaker.request(2)).toEqual({ allowed: true, trial: false });
    breaker.failure(10);
    expect(breaker.state).toBe("open");
    expect(breaker.request(500)).toEqual({ allowed: false, retryAfterMs: 510 });
    expect(breaker.request(1010)).toEqual({ allowed: true, trial: true });
    expect(breaker.state).toBe("half_open");
    // only one trial at a time
    expect(breaker.request(1011).allowed).toBe(false);
    breaker.success();
    expect(breaker.state).toBe("closed");
    expect(changes).toEqual(["closed->open", "open->half_open", "half_open->closed"]);
  });

  it("opens again when the trial fails", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 });
    breaker.failure(0);
    expect(breaker.request(100)).toEqual({ allowed: true, trial: true });
    breaker.failure(150);
    expect(breaker.state).toBe("open");
    expect(breaker.request(200)).toEqual({ allowed: false, retryAfterMs: 50 });
  });

  it("forgets earlier failures after a success", () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, cooldownMs: 100 });
    breaker.failure(0);
    breaker.success();
    breaker.failure(1);
    expect(breaker.state).toBe("closed");
  });

  it("resumes from a stored snapshot", () => {
    const breaker = new CircuitBreaker(
      { failureThreshold: 2, cooldownMs: 100 },
      { state: "open", failures: 2, openedAt: 50 },
    );
    expect(breaker.request(100).allowed).toBe(false);
    expect(breaker.request(150)).toEqual({ allowed: true, trial: true });
  });
});
