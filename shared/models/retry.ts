import {
  APICallError,
  type LanguageModelV4,
  type LanguageModelV4CallOptions,
  type LanguageModelV4GenerateResult,
  type LanguageModelV4StreamPart,
  type LanguageModelV4StreamResult,
} from "@ai-sdk/provider";
import { RetryError } from "ai";

/** How a model call is retried and timed. */
export interface RetryOptions {
  /** retries after the first attempt */
  maxRetries: number;
  /** first backoff; each retry doubles it, with ±50% jitter so callers do not retry in step */
  baseDelayMs: number;
  /** longest one attempt may take, a streamed one to its last part */
  timeoutMs: number;
  /** longest a streamed attempt may wait for its first token (default: timeoutMs) */
  firstTokenMs?: number;
  /** longest a streamed attempt may go silent between parts once it has started (default: timeoutMs) */
  idleMs?: number;
  /** for tests: 0..1 */
  random?: () => number;
}

/** Longest wait a Retry-After header may ask for before the call gives up instead. */
const MAX_RETRY_AFTER_MS = 60_000;

/** Stream parts that come before any output: a stream that sent only these has not started answering. */
const PREAMBLE = new Set<LanguageModelV4StreamPart["type"]>([
  "stream-start",
  "response-metadata",
  "text-start",
  "reasoning-start",
  "raw",
]);

/**
 * Wraps a model so transient failures (retryable API errors, connection failures, timeouts)
 * are retried with exponential backoff and jitter, honouring Retry-After. After the last
 * attempt it throws a RetryError carrying every attempt's error, as the AI SDK does.
 *
 * Every attempt is timed, a streamed one until its last part: it must send its first token
 * within `firstTokenMs`, never go silent for `idleMs` after that, and end within `timeoutMs`.
 * A stream that has sent no token yet is retried like any failed call; once text has gone to
 * the caller, a timeout errors the stream instead, since a retry would repeat that text.
 */
export function withRetries(model: LanguageModelV4, options: RetryOptions): LanguageModelV4 {
  const firstTokenMs = options.firstTokenMs ?? options.timeoutMs;
  const idleMs = options.idleMs ?? options.timeoutMs;
  const attempt = async <T>(
    call: (options: LanguageModelV4CallOptions, clock: AttemptClock) => Promise<T>,
    callOptions: LanguageModelV4CallOptions,
  ) => {
    const errors: unknown[] = [];
    for (let tries = 0; ; tries++) {
      const clock = new AttemptClock(options.timeoutMs);
      const signal = callOptions.abortSignal ? AbortSignal.any([callOptions.abortSignal, clock.signal]) : clock.signal;
      // a retry says which it is (`providerOptions.edgent.retry`), for whoever records the call
      const edgent = tries > 0 ? { ...callOptions.providerOptions?.edgent, retry: tries } : undefined;
      const providerOptions = edgent ? { providerOptions: { ...callOptions.providerOptions, edgent } } : {};
      try {
        return await call({ ...callOptions, ...providerOptions, abortSignal: signal }, clock);
      } catch (error) {
        if (callOptions.abortSignal?.aborted) throw error;
        const failure = clock.signal.aborted ? clock.signal.reason : error;
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
      }
    }
  };

  /** Opens a stream and waits for its first token, so an attempt that stalls before it can be retried. */
  const openStream = async (
    callOptions: LanguageModelV4CallOptions,
    clock: AttemptClock,
  ): Promise<LanguageModelV4StreamResult> => {
    const firstToken = { at: Date.now() + firstTokenMs, what: `no first token within ${firstTokenMs} ms` };
    const opened = await clock.wait(model.doStream(callOptions), firstToken);
    const reader = opened.stream.getReader();
    const head: LanguageModelV4StreamPart[] = [];
    try {
      for (;;) {
        const next = await clock.wait(reader.read(), firstToken);
        if (next.done) break;
        head.push(next.value);
        if (!PREAMBLE.has(next.value.type)) break;
      }
    } catch (error) {
      reader.cancel(error).catch(() => undefined);
      throw error;
    }
    const first = head.at(-1);
    // a stream that fails before its first token fails the attempt, which may then be retried
    if (first?.type === "error") {
      reader.cancel(first.error).catch(() => undefined);
      throw first.error;
    }
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      start(controller) {
        for (const part of head) controller.enqueue(part);
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
        try {
          // silence is timed while waiting for the provider, not while the caller is busy
          next = await clock.wait(reader.read(), {
            at: Date.now() + idleMs,
            what: `the stream went silent for ${idleMs} ms`,
          });
        } catch (error) {
          reader.cancel(error).catch(() => undefined);
          controller.error(error);
          return;
        }
        if (next.done) controller.close();
        else controller.enqueue(next.value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return { ...opened, stream };
  };

  return {
    specificationVersion: "v4",
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (callOptions): Promise<LanguageModelV4GenerateResult> =>
      attempt((o, clock) => clock.wait(model.doGenerate(o), null), callOptions),
    doStream: (callOptions): Promise<LanguageModelV4StreamResult> => attempt(openStream, callOptions),
  };
}

/**
 * One attempt's time limits and the abort signal its provider call gets. Waits race the
 * provider, so a provider that ignores its abort signal cannot hold an attempt past a limit.
 */
class AttemptClock {
  private readonly controller = new AbortController();
  private readonly deadline: number;

  constructor(private readonly timeoutMs: number) {
    this.deadline = Date.now() + timeoutMs;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /**
   * Waits for `work` until `limit` (never past the attempt's deadline). When a limit passes,
   * the attempt is aborted and the wait fails with a TimeoutError saying which limit it was.
   */
  wait<T>(work: PromiseLike<T>, limit: { at: number; what: string } | null): Promise<T> {
    const overall = { at: this.deadline, what: `no complete answer within ${this.timeoutMs} ms` };
    const { at, what } = limit && limit.at < overall.at ? limit : overall;
    const { signal } = this.controller;
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          const reason = new DOMException(what, "TimeoutError");
          this.controller.abort(reason);
          reject(reason);
        },
        Math.max(0, at - Date.now()),
      );
      Promise.resolve(work).then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          // a provider that stopped because the limit aborted it failed by that limit
          reject(signal.aborted ? signal.reason : error);
        },
      );
    });
  }
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
