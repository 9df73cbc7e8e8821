import { Hono } from "hono";
import { AGENTS } from "../../shared/agents/registry";
import { type AgentList, agentListSchema } from "../../shared/contracts/agents";
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
      ...(agent.delegates.length > 0
        ? { delegates: agent.delegates, ...(agent.fallback ? { fallback: agent.fallback } : {}) }
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
      description: "The agents this deployment serves, with their tools and the agents they may delegate to.",
      responses: { 200: answer("the agents", json(agentListSchema)) },
    }),
    (c) => c.json(agentList()),
  )
  .all("/", methodNotAllowed(["GET"]));
