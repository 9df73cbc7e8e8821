import { Hono } from "hono";
import type { AgentDefinition } from "../../shared/agents/define";
import { AGENTS } from "../../shared/agents/registry";
import { type AgentList, type AgentSummary, agentListSchema } from "../../shared/contracts/agents";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";

/** The agents this deployment serves, as GET /v1/agents lists them. */
export function agentList(): AgentList {
  return {
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
  };
}

/** GET /v1/agents: the agents this deployment serves. */
export const agentRoutes = new Hono<RouterEnv>()
  .get(
    "/",
    describe({
      operationId: "listAgents",
      tag: "agents",
      summary: "List the agents",
      description:
        "The agents this deployment serves, with their tools, guardrails and the agents they may delegate to.",
      responses: { 200: answer("the agents", json(agentListSchema)) },
    }),
    (c) => c.json(agentList()),
  )
  .all("/", methodNotAllowed(["GET"]));

/** Delegates with their own fallback, deadline or compensating action; nothing when all are plain names. */
function delegationOf(agent: AgentDefinition): Pick<AgentSummary, "delegation"> {
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
