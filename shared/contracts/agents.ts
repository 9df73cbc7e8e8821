import { z } from "zod";

/** One agent as GET /v1/agents lists it. */
export const agentSummarySchema = z.object({
  name: z.string(),
  description: z.string(),
  tools: z.array(z.string()),
  /** agents it may hand tasks to */
  delegates: z.array(z.string()).optional(),
  /** the agent that gets a task whose sub-agent failed */
  fallback: z.string().optional(),
});
export type AgentSummary = z.infer<typeof agentSummarySchema>;

/** Response of GET /v1/agents. */
export const agentListSchema = z.object({ agents: z.array(agentSummarySchema) }).meta({ id: "AgentList" });
export type AgentList = z.infer<typeof agentListSchema>;
