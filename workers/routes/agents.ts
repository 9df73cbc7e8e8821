import { Hono } from "hono";
import type { AgentDefinition } from "../../shared/agents/define";
import { AGENTS } from "../../shared/agents/registry";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";

/** GET /v1/agents: the agents this deployment serves. */
export const agentRoutes = new Hono<RouterEnv>()
  .get("/", (c) =>
    c.json({
      agents: [...AGENTS.values()].map((agent) => ({
        name: agent.name,
        description: agent.description,
        tools: Object.keys(agent.tools),
        ...(agent.guardrails.length > 0 ? { guardrails: agent.guardrails.map((guardrail) => guardrail.name) } : {}),
        ...(agent.delegates.length > 0
          ? {
              delegates: agent.delegates,
              ...(agent.fallback ? { fallback: agent.fallback } : {}),
              ...delegationOf(agent),
            }
          : {}),
      })),
    }),
  )
  .all("/", methodNotAllowed(["GET"]));

/** Delegates with their own fallback, deadline or compensating action; nothing when all are plain names. */
function delegationOf(agent: AgentDefinition) {
  const policies = Object.values(agent.delegation);
  if (!policies.some((policy) => policy.fallback || policy.timeoutMs || policy.compensate)) return {};
  return {
    delegation: policies.map(({ agent: name, fallback, timeoutMs, compensate }) => ({
      agent: name,
      ...(fallback ? { fallback } : {}),
      ...(timeoutMs ? { timeoutMs } : {}),
      ...(compensate ? { compensates: true } : {}),
    })),
  };
}
