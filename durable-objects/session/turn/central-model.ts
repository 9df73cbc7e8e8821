import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import type { GatewayFailure, LateUsage } from "../../../shared/contracts/gateway";
import type { SpanData } from "../../../shared/contracts/trace";
import { streamFromResult } from "../../../shared/models/stream";
import type { GatewayApi } from "../../rpc";
import type { TurnEvent } from "./hooks";

/** The gateway refused the call or could not make it; carries the one error vocabulary's code. */
export class CentralRefusal extends Error {
  override readonly name = "CentralRefusal";

  constructor(readonly failure: GatewayFailure) {
    super(failure.message);
  }
}

/** What the central model needs of its session and turn. */
export interface CentralModelOptions {
  /** the tenant's gateway, made on first use (most turns never escalate) */
  gateway: () => GatewayApi;
  model: string;
  agent: string;
  /** the gateway's events (breaker, budget, saturation, fallback), as they happen */
  event(event: TurnEvent): void;
  /** the spans the gateway recorded for the call (admission, attempts), when the turn is traced */
  spans?(spans: readonly SpanData[]): void;
  /** usage of a call the turn stopped waiting for, once the gateway has it */
  lateUsage(usage: LateUsage): void;
}

/**
 * A central model as a session sees it: every call goes to the tenant's gateway, which
 * applies the tenant's limits and breaker and makes the call.
 */
export function centralModel(options: CentralModelOptions): LanguageModelV4 {
  const generate = async (call: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    const { abortSignal, headers: _headers, ...rest } = call;
    abortSignal?.throwIfAborted();
    const callId = crypto.randomUUID();
    const traceparent = rest.providerOptions?.edgent?.traceparent;
    const pending = options
      .gateway()
      .generate({
        model: options.model,
        agent: options.agent,
        options: rest,
        callId,
        ...(typeof traceparent === "string" ? { traceparent } : {}),
      })
      .catch((error: unknown) => {
        // the tenant's gateway itself failed or was reset: worth a retry later, not a broken model
        throw new CentralRefusal({
          code: "model_unavailable",
          message: `the model gateway did not answer (${String(error)})`,
          retryAfterMs: 1_000,
        });
      });
    // an RPC cannot be cancelled, but the turn need not wait for it; its cost is still counted
    const aborted = new Promise<never>((_, reject) =>
      abortSignal?.addEventListener(
        "abort",
        () => {
          pending
            .then(() => options.gateway().lateUsage(callId))
            .then((usage) => usage && options.lateUsage(usage))
            .catch(() => undefined);
          reject(abortSignal.reason);
        },
        { once: true },
      ),
    );
    const outcome = await Promise.race([pending, aborted]);
    for (const event of outcome.events) options.event(event);
    if (outcome.spans?.length) options.spans?.(outcome.spans);
    if (outcome.ok) return outcome.result;
    throw new CentralRefusal(outcome.failure);
  };
  return {
    specificationVersion: "v4",
    provider: "gateway",
    modelId: options.model,
    supportedUrls: {},
    doGenerate: generate,
    doStream: async (call) => streamFromResult(await generate(call)),
  };
}
