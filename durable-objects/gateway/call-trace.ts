import type { LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import type { GatewayEvent, GatewayOutcome } from "../../shared/contracts/gateway";
import type { Attributes, SpanData } from "../../shared/contracts/trace";
import { classifyModelFailure } from "../../shared/models/failure";
import { eventAttributes } from "../../shared/tracing/attributes";
import { newSpanId, parseTraceparent } from "../../shared/tracing/trace-context";

/**
 * The spans of one central call in the tenant's gateway, returned to the session with the
 * outcome (the session keeps and exports them with its turn): the call (`edgent.gateway
 * {model}`, a child of the session's `chat` span), its admission (queue wait for a slot,
 * budget check) and each provider attempt (breaker state, retry number, tokens, error).
 */
export class CallTrace {
  private readonly root: SpanData;
  private readonly spans: SpanData[] = [];
  private admission: SpanData | null;

  /** A trace for the call, or null if the session sent no (valid) trace context. */
  static of(traceparent: string | undefined, model: string, agent: string): CallTrace | null {
    const parent = parseTraceparent(traceparent);
    return parent ? new CallTrace(parent.traceId, parent.spanId, model, agent) : null;
  }

  private constructor(traceId: string, parentSpanId: string, model: string, agent: string) {
    const now = Date.now();
    this.root = {
      traceId,
      spanId: newSpanId(),
      parentSpanId,
      name: `edgent.gateway ${model}`,
      kind: "server",
      startMs: now,
      status: "unset",
      attributes: { "edgent.component": "gateway", "gen_ai.request.model": model, "gen_ai.agent.name": agent },
    };
    this.admission = this.child("edgent.gateway.admission", now, {});
  }

  /** Admission decided: the slot wait and the budget as they stood. */
  admitted(outcome: "admitted" | "saturated" | "budget_exhausted" | "misconfigured", attributes: Attributes): void {
    const span = this.admission;
    if (!span) return;
    this.admission = null;
    span.endMs = Date.now();
    span.status = outcome === "admitted" ? "ok" : "error";
    if (outcome !== "admitted") span.statusMessage = outcome;
    Object.assign(span.attributes, { "edgent.gateway.admission": outcome, ...attributes });
    this.spans.push(span);
  }

  /** A model refused by its open breaker: an attempt that never reached the provider. */
  refusedByBreaker(model: string, state: string, retryAfterMs: number): void {
    const span = this.child(`edgent.provider ${model}`, Date.now(), {
      "gen_ai.request.model": model,
      "edgent.breaker.state": state,
      "edgent.breaker.retry_after_ms": retryAfterMs,
    });
    span.endMs = span.startMs;
    span.status = "error";
    span.statusMessage = "central_unavailable: the circuit is open";
    this.spans.push(span);
  }

  /** The provider model, each attempt (a retry is another) recorded as a span. */
  attempts(model: LanguageModelV4, name: string, breakerState: string): LanguageModelV4 {
    const generate = async (options: LanguageModelV4CallOptions) => {
      const retry = options.providerOptions?.edgent?.retry;
      const span = this.child(`edgent.provider ${name}`, Date.now(), {
        "gen_ai.request.model": name,
        "edgent.breaker.state": breakerState,
        "edgent.retry": typeof retry === "number" ? retry : 0,
      });
      this.spans.push(span);
      try {
        const result = await model.doGenerate(options);
        span.endMs = Date.now();
        span.status = "ok";
        Object.assign(span.attributes, {
          "edgent.usage.input_tokens": result.usage.inputTokens.total ?? 0,
          "edgent.usage.output_tokens": result.usage.outputTokens.total ?? 0,
        });
        return result;
      } catch (error) {
        span.endMs = Date.now();
        span.status = "error";
        const failure = classifyModelFailure(error, name);
        span.statusMessage = failure.message;
        span.attributes["error.type"] = failure.code;
        throw error;
      }
    };
    return {
      specificationVersion: "v4",
      provider: model.provider,
      modelId: model.modelId,
      supportedUrls: model.supportedUrls,
      doGenerate: generate,
      doStream: (options) => model.doStream(options),
    };
  }

  /** The call's spans, ended with its outcome and events. */
  finish(outcome: GatewayOutcome, events: readonly GatewayEvent[]): SpanData[] {
    const now = Date.now();
    if (this.admission) this.admitted("misconfigured", {});
    const root = this.root;
    root.endMs = now;
    root.status = outcome.ok ? "ok" : "error";
    if (outcome.ok) root.attributes["gen_ai.response.model"] = outcome.model;
    else {
      root.statusMessage = outcome.failure.code;
      root.attributes["error.type"] = outcome.failure.code;
    }
    root.events = events.map((event) => ({
      name: event.name,
      timeMs: now,
      attributes: eventAttributes(event.data, false),
    }));
    return [root, ...this.spans];
  }

  private child(name: string, startMs: number, attributes: Attributes): SpanData {
    return {
      traceId: this.root.traceId,
      spanId: newSpanId(),
      parentSpanId: this.root.spanId,
      name,
      kind: name.startsWith("edgent.provider") ? "client" : "internal",
      startMs,
      status: "unset",
      attributes: { "edgent.component": "gateway", ...attributes },
    };
  }
}
