import type { AgentDefinition } from "../agents/define";
import { DEFAULT_MODEL } from "./resolve";

/** Model settings from wrangler.toml `[vars]`. */
export interface ModelVars {
  /** model for agents that do not name one, e.g. "workers-ai:@cf/meta/llama-3.1-8b-instruct" */
  EDGENT_DEFAULT_MODEL?: string;
  /** JSON object of agent name → model, overriding the agent's own choice */
  EDGENT_AGENT_MODELS?: string;
}

/** Which model an agent runs on: per-agent override, then its definition, then the default. */
export function chooseModel(
  agent: AgentDefinition,
  vars: ModelVars,
): { ok: true; name: string } | { ok: false; error: string } {
  if (vars.EDGENT_AGENT_MODELS?.trim()) {
    let overrides: unknown;
    try {
      overrides = JSON.parse(vars.EDGENT_AGENT_MODELS);
    } catch {
      return { ok: false, error: "EDGENT_AGENT_MODELS is not valid JSON" };
    }
    if (typeof overrides !== "object" || overrides === null || Array.isArray(overrides)) {
      return { ok: false, error: "EDGENT_AGENT_MODELS must be a JSON object of agent name to model" };
    }
    const override = (overrides as Record<string, unknown>)[agent.name];
    if (typeof override === "string" && override) return { ok: true, name: override };
  }
  return { ok: true, name: agent.model ?? (vars.EDGENT_DEFAULT_MODEL?.trim() || DEFAULT_MODEL) };
}
