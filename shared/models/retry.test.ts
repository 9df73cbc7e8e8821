import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
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

/** A model whose streams open at once and then follow `script`: parts with the delay before each. */
function streaming(
  scripts: Array<Array<{ afterMs: number; part: LanguageModelV4StreamPart }>>,
): LanguageModelV4 & { opened: number } {
  const model = {
    ...flaky(0, overloaded),
    opened: 0,
    async doStream(options: LanguageModelV4CallOptions) {
      const script = scripts[Math.min(model.opened++, scripts.length - 1)] ?? [];
      let index = 0;
      return {
        stream: new ReadableStream<LanguageModelV4StreamPart>({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t" });
          },
          async pull(controller) {
            const step = script[index++];
            if (!step) return controller.close();
            // a provider that ignores the abort signal: the wrapper must not depend on it
            await new Promise((resolve) => setTimeout(resolve, step.afterMs));
            if (options.abortSignal?.aborted) return;
            controller.enqueue(step.part);
          },
        }),
      };
    },
  };
  return model;
}

const delta = (text: string, afterMs: number) => ({
  afterMs,
  part: { type: "text-delta" as const, id: "t", delta: text },
});
const finish = (afterMs: number) => ({
  afterMs,
  part: { type: "finish" as const, finishReason: ok.finishReason, usage: ok.usage },
});

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>): Promise<LanguageModelV4StreamPart[]> {
  const parts: LanguageModelV4StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const next = await reader.read();
    if (next.done) return parts;
    parts.push(next.value);
  }
}

const texts = (parts: LanguageModelV4StreamPart[]) =>
  parts.flatMap((part) => (part.type === "text-delta" ? [part.delta] : []));

describe("withRetries on streams", () => {
  const limits = { maxRetries: 1, baseDelayMs: 1, timeoutMs: 5_000, firstTokenMs: 60, idleMs: 60 };

  it("retries a stream that opens but sends no first token in time", async () => {
    const model = streaming([[delta("late", 10_000)], [delta("hello", 5), finish(5)]]);
    const started = Date.now();
    const result = await withRetries(model, limits).doStream({ prompt: [] });
    expect(texts(await readAll(result.stream))).toEqual(["hello"]);
    expect(model.opened).toBe(2);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("gives up with a timeout when no attempt sends a first token", async () => {
    const model = streaming([[delta("late", 10_000)]]);
    const error = await Promise.resolve(withRetries(model, limits).doStream({ prompt: [] })).catch((e: unknown) => e);
    expect(RetryError.isInstance(error)).toBe(true);
    expect(((error as RetryError).lastError as Error).name).toBe("TimeoutError");
    expect(model.opened).toBe(2);
  });

  it("fails a stream that goes silent after its first token, with a timeout error", async () => {
    const model = streaming([[delta("half", 5), delta(" never", 10_000)]]);
    const result = await withRetries(model, limits).doStream({ prompt: [] });
    const reader = result.stream.getReader();
    const seen: LanguageModelV4StreamPart[] = [];
    const error = await (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return null;
        seen.push(next.value);
      }
    })().catch((e: unknown) => e);
    expect(texts(seen)).toEqual(["half"]);
    expect((error as Error).name).toBe("TimeoutError");
    // text already went out: the stream is not silently restarted
    expect(model.opened).toBe(1);
  });

  it("keeps a slow stream going while each part comes within the idle limit", async () => {
    const model = streaming([[...Array.from({ length: 8 }, (_, i) => delta(`w${i} `, 25)), finish(25)]]);
    const result = await withRetries(model, limits).doStream({ prompt: [] });
    expect(texts(await readAll(result.stream))).toHaveLength(8);
  });

  it("ends a stream that keeps talking past the whole call's timeout", async () => {
    const model = streaming([Array.from({ length: 1_000 }, () => delta(".", 20))]);
    const result = await withRetries(model, { ...limits, timeoutMs: 300 }).doStream({ prompt: [] });
    const started = Date.now();
    const error = await readAll(result.stream).catch((e: unknown) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
