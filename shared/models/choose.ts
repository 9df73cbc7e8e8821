import type { AgentDefinition } from "../agents/define";
import { DEFAULT_CENTRAL_MODEL, DEFAULT_MODEL } from "./resolve";

/** Model settings from wrangler.toml `[vars]`. */
export interface ModelVars {
  /** model for agents that do not name one, e.g. "workers-ai:@cf/meta/llama-3.1-8b-instruct" */
  EDGENT_DEFAULT_MODEL?: string;
  /** JSON object of agent name → model, overriding the agent's own choice */
  EDGENT_AGENT_MODELS?: string;
  /** central model for agents that do not name one */
  EDGENT_DEFAULT_CENTRAL_MODEL?: string;
  /** JSON object of agent name → central model */
  EDGENT_CENTRAL_MODELS?: string;
  /** JSON object of agent name → model calls per turn, overriding the agent's own */
  EDGENT_AGENT_MAX_STEPS?: string;
}

type Choice<T> = { ok: true; name: T } | { ok: false; error: string };

/** Which local model an agent runs on: per-agent override, then its definition, then the default. */
export function chooseModel(agent: AgentDefinition, vars: ModelVars): Choice<string> {
  const override = agentOverride<string>(vars.EDGENT_AGENT_MODELS, "EDGENT_AGENT_MODELS", agent.name, "string");
  if (!override.ok) return override;
  return { ok: true, name: override.name ?? agent.model ?? (vars.EDGENT_DEFAULT_MODEL?.trim() || DEFAULT_MODEL) };
}

/** Which central model an agent escalates to. */
export function chooseCentralModel(agent: AgentDefinition, vars: ModelVars): Choice<string> {
  const override = agentOverride<string>(vars.EDGENT_CENTRAL_MODELS, "EDGENT_CENTRAL_MODELS", agent.name, "string");
  if (!override.ok) return override;
  return {
    ok: true,
    name: override.name ?? agent.central ?? (vars.EDGENT_DEFAULT_CENTRAL_MODEL?.trim() || DEFAULT_CENTRAL_MODEL),
  };
}

/** How many model calls a turn of this agent may make. */
export function chooseMaxSteps(agent: AgentDefinition, vars: ModelVars): number {
  const override = agentOverride<number>(vars.EDGENT_AGENT_MAX_STEPS, "EDGENT_AGENT_MAX_STEPS", agent.name, "number");
  const steps = override.ok ? override.name : undefined;
  return steps !== undefined && Number.isInteger(steps) && steps >= 1 && steps <= 100 ? steps : agent.maxSteps;
}

/** The value for one agent in a JSON object setting keyed by agent name. */
function agentOverride<T>(
  raw: string | undefined,
  name: string,
  agent: string,
  type: "string" | "number",
): Choice<T | undefined> {
  if (!raw?.trim()) return { ok: true, name: undefined };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, error: `${name} is not valid JSON` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: `${name} must be a JSON object keyed by agent name` };
  }
  const value = (parsed as Record<string, unknown>)[agent];
  return { ok: true, name: typeof value === type && value !== "" ? (value as T) : undefined };
}
