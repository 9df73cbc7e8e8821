import { describe, expect, it } from "vitest";
import { LocalBreakers } from "./local-breakers";

const options = { failureThreshold: 1, cooldownMs: 60_000 };

describe("LocalBreakers", () => {
  it("keeps one breaker per tenant and model", () => {
    const breakers = new LocalBreakers();
    breakers.of("acme", "builtin:echo", options).failure(0);
    expect(breakers.of("acme", "builtin:echo", options).state).toBe("open");
    expect(breakers.of("globex", "builtin:echo", options).state).toBe("closed");
    expect(breakers.of("acme", "openai:other", options).state).toBe("closed");
  });

  it("forgets the least recently used breaker beyond its limit", () => {
    const breakers = new LocalBreakers(2);
    breakers.of("a", "m", options).failure(0);
    breakers.of("b", "m", options).failure(0);
    breakers.of("a", "m", options);
    breakers.of("c", "m", options);
    expect(breakers.of("a", "m", options).state).toBe("open");
    expect(breakers.of("b", "m", options).state).toBe("closed");
  });
});
