/** Model-related settings from wrangler.toml `[vars]`, bounded, with defaults. */
export interface ModelSettings {
  maxRetries: number;
  retryBaseMs: number;
  timeoutMs: number;
  gatewayConcurrency: number;
  gatewayMaxWaitMs: number;
  centralBudgetTokens: number;
  budgetPeriod: "hour" | "day" | "month";
  breakerFailures: number;
  breakerCooldownMs: number;
  /** JSON of model → fallback model, tried when a tier's model fails or its breaker is open */
  fallbacks: Record<string, string>;
  /** `off` turns escalation off for every agent (local-only), e.g. for evaluations */
  escalation: "on" | "off";
}

/** The settings the runtime reads from its environment. */
export interface ModelSettingsEnv {
  EDGENT_MODEL_MAX_RETRIES?: string;
  EDGENT_RETRY_BASE_MS?: string;
  EDGENT_MODEL_TIMEOUT_MS?: string;
  EDGENT_GATEWAY_CONCURRENCY?: string;
  EDGENT_GATEWAY_MAX_WAIT_MS?: string;
  EDGENT_CENTRAL_BUDGET_TOKENS?: string;
  EDGENT_BUDGET_PERIOD?: string;
  EDGENT_BREAKER_FAILURES?: string;
  EDGENT_BREAKER_COOLDOWN_MS?: string;
  EDGENT_FALLBACK_MODELS?: string;
  EDGENT_ESCALATION?: string;
}

export function modelSettings(env: ModelSettingsEnv): ModelSettings {
  return {
    maxRetries: boundedInt(env.EDGENT_MODEL_MAX_RETRIES, 0, 10, 2),
    retryBaseMs: boundedInt(env.EDGENT_RETRY_BASE_MS, 1, 60_000, 500),
    timeoutMs: boundedInt(env.EDGENT_MODEL_TIMEOUT_MS, 1_000, 900_000, 60_000),
    gatewayConcurrency: boundedInt(env.EDGENT_GATEWAY_CONCURRENCY, 1, 1_000, 8),
    gatewayMaxWaitMs: boundedInt(env.EDGENT_GATEWAY_MAX_WAIT_MS, 0, 60_000, 2_000),
    centralBudgetTokens: boundedInt(env.EDGENT_CENTRAL_BUDGET_TOKENS, 0, Number.MAX_SAFE_INTEGER, 2_000_000),
    budgetPeriod:
      env.EDGENT_BUDGET_PERIOD === "hour" || env.EDGENT_BUDGET_PERIOD === "month" ? env.EDGENT_BUDGET_PERIOD : "day",
    breakerFailures: boundedInt(env.EDGENT_BREAKER_FAILURES, 1, 1_000, 5),
    breakerCooldownMs: boundedInt(env.EDGENT_BREAKER_COOLDOWN_MS, 100, 3_600_000, 30_000),
    fallbacks: jsonRecord(env.EDGENT_FALLBACK_MODELS),
    escalation: env.EDGENT_ESCALATION === "off" ? "off" : "on",
  };
}

/** A whole-number setting within bounds, or its default. */
export function boundedInt(raw: string | undefined, min: number, max: number, fallback: number): number {
  const value = Number(raw);
  return raw && Number.isInteger(value) && value >= min && value <= max ? value : fallback;
}

function jsonRecord(raw: string | undefined): Record<string, string> {
  if (!raw?.trim()) return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(
      Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
    );
  } catch {
    return {};
  }
}

/** The start of the budget period that contains `now`, as a key, and when it ends. */
export function budgetPeriod(period: ModelSettings["budgetPeriod"], now: number): { key: string; endsAt: number } {
  const date = new Date(now);
  if (period === "hour") {
    const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), date.getUTCHours());
    return { key: new Date(start).toISOString().slice(0, 13), endsAt: start + 3_600_000 };
  }
  if (period === "month") {
    return {
      key: date.toISOString().slice(0, 7),
      endsAt: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1),
    };
  }
  const start = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  return { key: date.toISOString().slice(0, 10), endsAt: start + 86_400_000 };
}
