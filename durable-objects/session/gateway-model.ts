import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import type { GatewayEvent, GatewayRefusal } from "../../shared/contracts/gateway";
import { streamFromResult } from "../../shared/models/stream";
import type { GatewayRpc } from "../model-gateway";

/** The gateway would not (or could not) make the call. */
export class GatewayRefusedError extends Error {
  override readonly name = "GatewayRefusedError";

  constructor(
    readonly code: GatewayRefusal,
    message: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(message);
  }
}

/**
 * A central model as a session sees it: every call goes to the tenant's gateway, which
 * applies the tenant's limits and breaker and makes the call. The gateway's events are
 * collected for the turn to report.
 */
export function gatewayModel(
  gateway: () => GatewayRpc,
  model: string,
  agent: string,
  events: GatewayEvent[],
  /** usage of a call the turn stopped waiting for, once the gateway has it */
  onLateUsage: (usage: { model: string; inputTokens: number; outputTokens: number }) => void,
): LanguageModelV4 {
  const generate = async (options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> => {
    const { abortSignal, headers: _headers, ...rest } = options;
    abortSignal?.throwIfAborted();
    const callId = crypto.randomUUID();
    const call = gateway()
      .generate({ model, agent, options: rest, callId })
      .catch((error: unknown) => {
        // the tenant's gateway itself failed or was reset: worth a retry later, not a broken model
        throw new GatewayRefusedError(
          "model_unavailable",
          `the model gateway did not answer (${String(error)})`,
          1_000,
        );
      });
    // an RPC cannot be cancelled, but the turn need not wait for it; its cost is still counted
    const aborted = new Promise<never>((_, reject) =>
      abortSignal?.addEventListener(
        "abort",
        () => {
          call
            .then(() => gateway().lateUsage(callId))
            .then((usage) => usage && onLateUsage(usage))
            .catch(() => undefined);
          reject(abortSignal.reason);
        },
        { once: true },
      ),
    );
    const outcome = await Promise.race([call, aborted]);
    events.push(...outcome.events);
    if (outcome.ok) return outcome.result;
    throw new GatewayRefusedError(outcome.code, outcome.message, outcome.retryAfterMs);
  };
  return {
    specificationVersion: "v4",
    provider: "gateway",
    modelId: model,
    supportedUrls: {},
    doGenerate: generate,
    doStream: async (options) => streamFromResult(await generate(options)),
  };
}
