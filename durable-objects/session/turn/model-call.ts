import type {
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4FinishReason,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
  SharedV4ProviderMetadata,
} from "@ai-sdk/provider";
import { formatTraceparent, newSpanId } from "../../../shared/tracing/trace-context";
import type { CallPurpose, TurnLedger } from "../storage/ledger";
import type { ModelCall, TraceContext, TurnHooks } from "./hooks";

/** What instrumenting a model needs of its run. */
export interface CallSite {
  readonly turnId: string;
  readonly hooks: TurnHooks;
  readonly ledger: TurnLedger;
  readonly streaming: boolean;
  readonly trace: TraceContext;
  nextCallIndex(): number;
}

/** Storage failed while a call was being recorded: the turn fails as internal, not as a model error. */
export class StorageFault extends Error {
  override readonly name = "StorageFault";
}

/**
 * A model whose every call passes the run's hooks (before and after) and is priced and
 * recorded by the ledger under the model that answered: the one place calls are counted.
 */
export function instrument(
  site: CallSite,
  model: LanguageModelV4,
  call: { tier: "local" | "central"; model: string; purpose: CallPurpose },
): LanguageModelV4 {
  const begin = (streaming: boolean, options: LanguageModelV4CallOptions): ModelCall => {
    const retry = options.providerOptions?.edgent?.retry;
    const started: ModelCall = {
      ...call,
      index: site.nextCallIndex(),
      streaming,
      startedAt: Date.now(),
      spanId: newSpanId(),
      ...(typeof retry === "number" ? { retry } : {}),
    };
    site.hooks.beforeModelCall?.(started);
    return started;
  };
  // the central model's gateway records its spans under this call's span
  const traced = (started: ModelCall, options: LanguageModelV4CallOptions): LanguageModelV4CallOptions => {
    const w3c = site.trace.w3c;
    if (call.tier !== "central" || !w3c) return options;
    const traceparent = formatTraceparent({ traceId: w3c.traceId, spanId: started.spanId, sampled: w3c.sampled });
    const edgent = { ...options.providerOptions?.edgent, traceparent };
    return { ...options, providerOptions: { ...options.providerOptions, edgent } };
  };
  const succeed = (
    started: ModelCall,
    usage: LanguageModelV4Usage,
    finishReason: LanguageModelV4FinishReason,
    metadata: SharedV4ProviderMetadata | undefined,
  ) => {
    // a gateway may answer with a fallback model: the call counts under the model that answered
    const served = metadata?.edgent?.model;
    const answered = typeof served === "string" ? served : started.model;
    const inputTokens = usage.inputTokens.total ?? 0;
    const outputTokens = usage.outputTokens.total ?? 0;
    const latencyMs = Date.now() - started.startedAt;
    let costNanos: number;
    try {
      costNanos = site.ledger.recordCall({
        turnId: site.turnId,
        purpose: started.purpose,
        model: answered,
        tier: started.tier,
        inputTokens,
        outputTokens,
        latencyMs,
        finishReason: finishReason.unified,
      });
    } catch (cause) {
      throw new StorageFault("the model call could not be recorded", { cause });
    }
    site.hooks.afterModelCall?.(started, {
      ok: true,
      model: answered,
      inputTokens,
      outputTokens,
      costNanos,
      latencyMs,
      finishReason: finishReason.unified,
    });
  };
  const fail = (started: ModelCall, error: unknown) =>
    site.hooks.afterModelCall?.(started, { ok: false, error, latencyMs: Date.now() - started.startedAt });

  return {
    specificationVersion: "v4",
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    async doGenerate(options: LanguageModelV4CallOptions) {
      const started = begin(false, options);
      try {
        const result = await model.doGenerate(traced(started, options));
        succeed(started, result.usage, result.finishReason, result.providerMetadata);
        return result;
      } catch (error) {
        if (!(error instanceof StorageFault)) fail(started, error);
        throw error;
      }
    },
    async doStream(options: LanguageModelV4CallOptions) {
      const started = begin(true, options);
      let result: Awaited<ReturnType<LanguageModelV4["doStream"]>>;
      try {
        result = await model.doStream(traced(started, options));
      } catch (error) {
        fail(started, error);
        throw error;
      }
      return { ...result, stream: observed(result.stream, started, succeed, fail) };
    },
  };
}

/** The provider's stream as it is, ending the call when it finishes, errors or is cancelled. */
function observed(
  stream: ReadableStream<LanguageModelV4StreamPart>,
  started: ModelCall,
  succeed: (
    started: ModelCall,
    usage: LanguageModelV4Usage,
    finishReason: LanguageModelV4FinishReason,
    metadata: SharedV4ProviderMetadata | undefined,
  ) => void,
  fail: (started: ModelCall, error: unknown) => void,
): ReadableStream<LanguageModelV4StreamPart> {
  const reader = stream.getReader();
  let ended = false;
  const end = (outcome: () => void) => {
    if (ended) return;
    ended = true;
    outcome();
  };
  return new ReadableStream<LanguageModelV4StreamPart>({
    async pull(controller) {
      let next: ReadableStreamReadResult<LanguageModelV4StreamPart>;
      try {
        next = await reader.read();
      } catch (error) {
        end(() => fail(started, error));
        throw error;
      }
      if (next.done) {
        end(() => fail(started, new Error("the stream ended without a finish")));
        controller.close();
        return;
      }
      const part = next.value;
      if (part.type === "finish") {
        try {
          end(() => succeed(started, part.usage, part.finishReason, part.providerMetadata));
        } catch (error) {
          controller.error(error);
          return;
        }
      } else if (part.type === "error") end(() => fail(started, part.error));
      controller.enqueue(part);
    },
    async cancel(reason) {
      end(() => fail(started, reason ?? new DOMException("the call was cancelled", "AbortError")));
      await reader.cancel(reason);
    },
  });
}
