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

/** A partial spec as EDGENT_MODEL_SPECS gives it, over the built-in figures. */
export type ModelSpecOverride = Partial<ModelSpec>;

/** Looks models up in the built-in figures merged with the configured overrides. */
export class ModelCatalog {
  private readonly specs: Record<string, ModelSpec>;

  constructor(overrides: Readonly<Record<string, ModelSpecOverride>> = {}) {
    this.specs = { ...DEFAULT_MODEL_SPECS };
    for (const [name, spec] of Object.entries(overrides)) {
      this.specs[name] = { ...(DEFAULT_MODEL_SPECS[name] ?? UNKNOWN), ...definedOnly(spec) };
    }
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

function definedOnly(spec: ModelSpecOverride): ModelSpecOverride {
  return Object.fromEntries(Object.entries(spec).filter(([, value]) => value !== undefined));
}

/** Nano-USD as USD. */
export function nanosToUsd(nanos: number): number {
  return nanos / 1e9;
}
