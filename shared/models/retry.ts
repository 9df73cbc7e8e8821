import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamResult,
} from "@ai-sdk/provider";
import { RetryError } from "ai";

/** How a model call is retried. */
export interface RetryOptions {
  /** retries after the first attempt */
  maxRetries: number;
  /** first backoff; each retry doubles it, with ±50% jitter so callers do not retry in step */
  baseDelayMs: number;
  /** longest one attempt may take */
  timeoutMs: number;
  /** for tests: 0..1 */
  random?: () => number;
}

/** Longest wait a Retry-After header may ask for before the call gives up instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/**
 * Wraps a model so transient failures (retryable API errors, connection failures, timeouts)
 * are retried with exponential backoff and jitter, honouring Retry-After. After the last
 * attempt it throws a RetryError carrying every attempt's error, as the AI SDK does.
 */
export function withRetries(model: LanguageModelV4, options: RetryOptions): LanguageModelV4 {
  const attempt = async <T>(
    call: (options: LanguageModelV4CallOptions) => PromiseLike<T>,
    callOptions: LanguageModelV4CallOptions,
  ) => {
    const errors: unknown[] = [];
    for (let tries = 0; ; tries++) {
      // the timeout covers the call until it answers: a stream, once started, may run longer
      const timeout = new AbortController();
      const timer = setTimeout(
        () => timeout.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, "TimeoutError")),
        options.timeoutMs,
      );
      const signal = callOptions.abortSignal
        ? AbortSignal.any([callOptions.abortSignal, timeout.signal])
        : timeout.signal;
      // a retry says which it is (`providerOptions.edgent.retry`), for whoever records the call
      const edgent = tries > 0 ? { ...callOptions.providerOptions?.edgent, retry: tries } : undefined;
      const providerOptions = edgent ? { providerOptions: { ...callOptions.providerOptions, edgent } } : {};
      try {
        return await call({ ...callOptions, ...providerOptions, abortSignal: signal });
      } catch (error) {
        if (callOptions.abortSignal?.aborted) throw error;
        const failure = timeout.signal.aborted ? timeout.signal.reason : error;
        errors.push(failure);
        const wait = delayMs(options, tries, failure);
        if (!isTransient(failure) || tries >= options.maxRetries || wait === null) {
          if (errors.length === 1) throw failure;
          throw new RetryError({
            message: `Failed after ${errors.length} attempts: ${failure instanceof Error ? failure.message : String(failure)}`,
            reason: isTransient(failure) ? "maxRetriesExceeded" : "errorNotRetryable",
            errors,
          });
        }
        await sleep(wait, callOptions.abortSignal);
      } finally {
        clearTimeout(timer);
      }
    }
  };
  return {
    specificationVersion: "v4",
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (callOptions): Promise<LanguageModelV4GenerateResult> =>
      attempt((o) => model.doGenerate(o), callOptions),
    doStream: (callOptions): Promise<LanguageModelV4StreamResult> => attempt((o) => model.doStream(o), callOptions),
  };
}

/** Worth retrying: overload, rate limits, server errors, lost connections, timeouts. */
export function isTransient(error: unknown): boolean {
  if (APICallError.isInstance(error)) return error.isRetryable;
  return error instanceof Error && error.name === "TimeoutError";
}

/** How long to wait before the next attempt, or null when the provider asks for longer than we wait. */
function delayMs(options: RetryOptions, tries: number, error: unknown): number | null {
  const random = options.random ?? Math.random;
  const backoff = options.baseDelayMs * 2 ** tries * (0.5 + random());
  const header = APICallError.isInstance(error) ? error.responseHeaders : undefined;
  const retryAfterMs = Number(header?.["retry-after-ms"] ?? Number(header?.["retry-after"]) * 1000);
  if (!Number.isFinite(retryAfterMs) || retryAfterMs < 0) return backoff;
  if (retryAfterMs > MAX_RETRY_AFTER_MS) return null;
  // jitter on top of the provider's wish too, so callers do not come back in step
  return Math.max(retryAfterMs, backoff / 4) * (1 + 0.1 * random());
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(resolve, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
