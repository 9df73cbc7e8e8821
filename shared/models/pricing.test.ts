import { describe, expect, it } from "vitest";
import { ModelCatalog, nanosToUsd } from "./pricing";

describe("ModelCatalog", () => {
  it("prices calls exactly, in nano-USD", () => {
    const catalog = new ModelCatalog();
    // 1,000 in at $3/M + 500 out at $15/M = $0.003 + $0.0075
    expect(catalog.costNanos("builtin:central", 1000, 500)).toBe(10_500_000);
    expect(nanosToUsd(10_500_000)).toBeCloseTo(0.0105, 10);
  });

  it("merges configured overrides over the defaults and adds new models", () => {
    const catalog = new ModelCatalog({
      "builtin:echo": { contextWindow: 2000 },
      "openai:my-model": { inputPerMillion: 1, outputPerMillion: 2 },
    });
    expect(catalog.spec("builtin:echo")).toEqual({ inputPerMillion: 0.1, outputPerMillion: 0.4, contextWindow: 2000 });
    expect(catalog.spec("openai:my-model").inputPerMillion).toBe(1);
  });

  it("treats unknown models as free with an unbounded window", () => {
    expect(new ModelCatalog().spec("openai:unknown")).toMatchObject({ inputPerMillion: 0, outputPerMillion: 0 });
  });
});
