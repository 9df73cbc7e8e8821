/** What a model costs (USD per million tokens) and how much context it takes. */
export interface ModelSpec {
  inputPerMillion: number;
  outputPerMillion: number;
  /** largest context, in tokens, the model accepts */
  contextWindow: number;
}

/** Built-in figures; EDGENT_MODEL_SPECS (JSON of model name → partial spec) overrides or adds. */
export const DEFAULT_MODEL_SPECS: Readonly<Record<string, ModelSpec>> = {
  "builtin:echo": { inputPerMillion: 0.1, outputPerMillion: 0.4, contextWindow: 32_768 },
  "builtin:central": { inputPerMillion: 3, outputPerMillion: 15, contextWindow: 200_000 },
  "workers-ai:@cf/meta/llama-3.1-8b-instruct": { inputPerMillion: 0.28, outputPerMillion: 0.83, contextWindow: 7_968 },
  "workers-ai:@cf/meta/llama-3.3-70b-instruct-fp8-fast": {
    inputPerMillion: 0.29,
    outputPerMillion: 2.25,
    contextWindow: 24_000,
  },
  "openai:gpt-4o-mini": { inputPerMillion: 0.15, outputPerMillion: 0.6, contextWindow: 128_000 },
  "openai:gpt-4o": { inputPerMillion: 2.5, outputPerMillion: 10, contextWindow: 128_000 },
};

/** A model with no known figures: free, with a window that never triggers escalation. */
const UNKNOWN: ModelSpec = { inputPerMillion: 0, outputPerMillion: 0, contextWindow: Number.MAX_SAFE_INTEGER };

/** Looks models up in the defaults merged with the configured overrides. */
export class ModelCatalog {
  private readonly specs: Record<string, ModelSpec>;
  /** why the configured overrides were rejected; the defaults apply meanwhile */
  readonly error: string | undefined;

  constructor(overridesJson?: string) {
    this.specs = { ...DEFAULT_MODEL_SPECS };
    const parsed = parseOverrides(overridesJson);
    if ("error" in parsed) this.error = parsed.error;
    else Object.assign(this.specs, parsed.specs);
  }

  spec(model: string): ModelSpec {
    return this.specs[model] ?? UNKNOWN;
  }

  /** Cost of a call in nano-USD, an integer, so totals are exact sums of recorded calls. */
  costNanos(model: string, inputTokens: number, outputTokens: number): number {
    const spec = this.spec(model);
    return Math.round(inputTokens * spec.inputPerMillion * 1000 + outputTokens * spec.outputPerMillion * 1000);
  }
}

function parseOverrides(json: string | undefined): { specs: Record<string, ModelSpec> } | { error: string } {
  if (!json?.trim()) return { specs: {} };
  let overrides: unknown;
  try {
    overrides = JSON.parse(json);
  } catch {
    return { error: "EDGENT_MODEL_SPECS is not valid JSON" };
  }
  if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
    return { error: "EDGENT_MODEL_SPECS must be a JSON object of model name to spec" };
  }
  const specs: Record<string, ModelSpec> = {};
  for (const [name, spec] of Object.entries(overrides as Record<string, Partial<ModelSpec>>)) {
    const merged = { ...(DEFAULT_MODEL_SPECS[name] ?? UNKNOWN), ...spec };
    if (
      ![merged.inputPerMillion, merged.outputPerMillion, merged.contextWindow].every(
        (n) => Number.isFinite(n) && n >= 0,
      )
    ) {
      return { error: `EDGENT_MODEL_SPECS has an invalid spec for '${name}'` };
    }
    specs[name] = merged;
  }
  return { specs };
}

/** Nano-USD as USD. */
export function nanosToUsd(nanos: number): number {
  return nanos / 1e9;
}
