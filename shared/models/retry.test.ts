import { APICallError, type LanguageModelV4, type LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import { RetryError } from "ai";
import { describe, expect, it } from "vitest";
import { withRetries } from "./retry";

const ok: LanguageModelV4GenerateResult = {
  content: [{ type: "text", text: "ok" }],
  finishReason: { unified: "stop", raw: "stop" },
  usage: {
    inputTokens: { total: 1, noCache: 1, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: 1, text: 1, reasoning: undefined },
  },
  warnings: [],
};

function flaky(failures: number, error: () => unknown): LanguageModelV4 & { calls: number[] } {
  const calls: number[] = [];
  return {
    specificationVersion: "v4",
    provider: "test",
    modelId: "flaky",
    supportedUrls: {},
    calls,
    async doGenerate() {
      calls.push(Date.now());
      if (calls.length <= failures) throw error();
      return ok;
    },
    async doStream() {
      throw new Error("unused");
    },
  };
}

const overloaded = () =>
  new APICallError({ message: "overloaded", url: "x", requestBodyValues: {}, statusCode: 503, isRetryable: true });

describe("withRetries", () => {
  it("retries transient failures with growing, jittered delays, then succeeds", async () => {
    const model = flaky(2, overloaded);
    const result = await withRetries(model, {
      maxRetries: 3,
      baseDelayMs: 20,
      timeoutMs: 1000,
      random: () => 0.5,
    }).doGenerate({ prompt: [] });
    expect(result).toBe(ok);
    expect(model.calls).toHaveLength(3);
    const [a, b, c] = model.calls as [number, number, number];
    expect(b - a).toBeGreaterThanOrEqual(18);
    expect(c - b).toBeGreaterThanOrEqual(38);
  });

  it("gives up after the last retry with every attempt's error", async () => {
    const model = flaky(10, overloaded);
    const error = await Promise.resolve(
      withRetries(model, { maxRetries: 2, baseDelayMs: 1, timeoutMs: 1000 }).doGenerate({ prompt: [] }),
    ).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect((error as RetryError).errors).toHaveLength(3);
  });

  it("does not retry an error that is not transient", async () => {
    const model = flaky(
      10,
      () => new APICallError({ message: "bad", url: "x", requestBodyValues: {}, statusCode: 400, isRetryable: false }),
    );
    await expect(
      withRetries(model, { maxRetries: 3, baseDelayMs: 1, timeoutMs: 1000 }).doGenerate({ prompt: [] }),
    ).rejects.toThrow("bad");
    expect(model.calls).toHaveLength(1);
  });

  it("times out an attempt that hangs and retries it", async () => {
    let calls = 0;
    const model: LanguageModelV4 = {
      ...flaky(0, overloaded),
      async doGenerate(options) {
        calls++;
        if (calls === 1) {
          await new Promise((_, reject) =>
            options.abortSignal?.addEventListener("abort", () => reject(options.abortSignal?.reason)),
          );
        }
        return ok;
      },
    };
    const result = await withRetries(model, { maxRetries: 1, baseDelayMs: 1, timeoutMs: 30 }).doGenerate({
      prompt: [],
    });
    expect(result).toBe(ok);
    expect(calls).toBe(2);
  });
});
