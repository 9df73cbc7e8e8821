import type { LanguageModelV4 } from "@ai-sdk/provider";
import type { AgentDefinition } from "../../../shared/agents/define";
import type { Failure } from "../../../shared/errors";
import { type ModelEnv, resolveModel } from "../../../shared/models/resolve";
import { withRetries } from "../../../shared/models/retry";
import { MODEL_SETTINGS, type Settings, settingsOf } from "../../../shared/settings";

/** The models a turn of an agent runs on, chosen once when the turn starts. */
export interface TurnModels {
  /** the local tier, as the provider gives it (calls are instrumented per run) */
  local: { name: string; model: LanguageModelV4 };
  /** the central tier's model name; its calls go through the tenant's gateway */
  central: { name: string };
  /** model calls the turn may make */
  maxSteps: number;
  settings: Settings;
}

/**
 * Which models an agent's turn runs on: per-agent settings (EDGENT_AGENT_MODELS,
 * EDGENT_CENTRAL_MODELS, EDGENT_AGENT_MAX_STEPS), then the agent's own definition, then the
 * defaults. A bad setting or a model that cannot be built fails the turn with 503.
 */
export function chooseModels(
  agent: AgentDefinition,
  env: ModelEnv & object,
): { ok: true; models: TurnModels } | { ok: false; failure: Failure } {
  const loaded = settingsOf(env).require(MODEL_SETTINGS, "model_misconfigured");
  if (!loaded.ok) return loaded;
  const { settings } = loaded;
  const localName = settings.EDGENT_AGENT_MODELS[agent.name] ?? agent.model ?? settings.EDGENT_DEFAULT_MODEL;
  const centralName =
    settings.EDGENT_CENTRAL_MODELS[agent.name] ?? agent.central ?? settings.EDGENT_DEFAULT_CENTRAL_MODEL;
  const resolved = resolveModel(localName, env, agent.playbook);
  if (!resolved.ok) return { ok: false, failure: { code: "model_misconfigured", message: resolved.error } };
  return {
    ok: true,
    models: {
      local: { name: localName, model: resolved.model },
      central: { name: centralName },
      maxSteps: settings.EDGENT_AGENT_MAX_STEPS[agent.name] ?? agent.maxSteps,
      settings,
    },
  };
}

/** A model with the deployment's retries, backoff and per-attempt time limits. */
export function retrying(model: LanguageModelV4, settings: Settings): LanguageModelV4 {
  return withRetries(model, {
    maxRetries: settings.EDGENT_MODEL_MAX_RETRIES,
    baseDelayMs: settings.EDGENT_RETRY_BASE_MS,
    timeoutMs: settings.EDGENT_MODEL_TIMEOUT_MS,
    firstTokenMs: settings.EDGENT_MODEL_FIRST_TOKEN_MS,
    idleMs: settings.EDGENT_MODEL_IDLE_MS,
  });
}
