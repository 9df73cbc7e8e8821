import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, type LanguageModelV4 } from "@ai-sdk/provider";
import { createWorkersAI } from "workers-ai-provider";
import { BuiltinModel } from "./builtin";
import type { OfflinePlaybook } from "./playbook";

/** The model every agent uses unless configured otherwise: offline and deterministic. */
export const DEFAULT_MODEL = "builtin:echo";

/** The central model unless configured otherwise: the builtin one, which marks its replies. */
export const DEFAULT_CENTRAL_MODEL = "builtin:central";

/** Settings and bindings the model providers read. */
export interface ModelEnv {
  /** Workers AI binding, present when `[ai]` is configured in wrangler.toml */
  AI?: Ai;
  /** base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1 or http://127.0.0.1:8080/v1 */
  OPENAI_BASE_URL?: string;
  /** API key for the OpenAI-compatible endpoint (a secret) */
  OPENAI_API_KEY?: string;
}

const PROVIDERS = ["builtin", "workers-ai", "openai"] as const;
type Provider = (typeof PROVIDERS)[number];

/** A model name split into its provider and the provider's own model id. */
export type ModelName = { provider: Provider; modelId: string };

/** Outcome of resolving a model name. */
export type ModelResolution = { ok: true; model: LanguageModelV4 } | { ok: false; error: string };

/** Splits `provider:model`; the model id itself may contain colons. */
export function parseModelName(name: string): ModelName | { error: string } {
  const colon = name.indexOf(":");
  const provider = name.slice(0, colon);
  const modelId = name.slice(colon + 1);
  if (colon <= 0 || !modelId) return { error: `model '${name}' must be written provider:model` };
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    return { error: `model '${name}' names unknown provider '${provider}' (known: ${PROVIDERS.join(", ")})` };
  }
  return { provider: provider as Provider, modelId };
}

/** Builds the model a name refers to, or says which setting is missing; a builtin model follows `playbook`. */
export function resolveModel(name: string, env: ModelEnv, playbook?: OfflinePlaybook): ModelResolution {
  const parsed = parseModelName(name);
  if ("error" in parsed) return { ok: false, error: parsed.error };
  switch (parsed.provider) {
    case "builtin":
      return { ok: true, model: new BuiltinModel(parsed.modelId, playbook) };
    case "workers-ai":
      if (!env.AI) return { ok: false, error: `model '${name}' needs the AI binding ([ai] in wrangler.toml)` };
      return { ok: true, model: createWorkersAI({ binding: env.AI })(parsed.modelId) };
    case "openai":
      if (!env.OPENAI_BASE_URL) return { ok: false, error: `model '${name}' needs OPENAI_BASE_URL` };
      return {
        ok: true,
        model: createOpenAICompatible({
          name: "openai",
          baseURL: env.OPENAI_BASE_URL,
          apiKey: env.OPENAI_API_KEY || undefined,
          includeUsage: true,
          fetch: transportFetch,
        }).chatModel(parsed.modelId),
      };
  }
}

/**
 * fetch that reports a failed connection as a retryable API error. In workerd a refused or
 * dropped connection rejects with a plain Error, which the SDK would neither retry nor tell
 * apart from a bug; fetch only rejects for transport failures, never for HTTP statuses.
 */
const transportFetch: typeof fetch = async (input, init) => {
  try {
    return await fetch(input, init);
  } catch (cause) {
    if (init?.signal?.aborted) throw cause;
    const url = input instanceof Request ? input.url : String(input);
    throw new APICallError({
      message: `cannot reach ${new URL(url).origin}`,
      url,
      requestBodyValues: undefined,
      isRetryable: true,
      cause,
    });
  }
};
