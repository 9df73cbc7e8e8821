import { z } from "zod";

/** One agent as GET /v1/agents lists it. */
export const agentSummarySchema = z.object({
  name: z.string(),
  description: z.string(),
  tools: z.array(z.string()),
  /** agents it may hand tasks to */
  delegates: z.array(z.string()).optional(),
  /** the agent that gets a task whose sub-agent failed, unless the delegate names its own */
  fallback: z.string().optional(),
  /** the delegates that have a policy of their own: fallback, deadline, compensating action */
  delegation: z
    .array(
      z.object({
        agent: z.string(),
        fallback: z.string().optional(),
        timeoutMs: z.number().int().positive().optional(),
        compensates: z.literal(true).optional(),
      }),
    )
    .optional(),
  /** the agent's own guardrails (its tenant's policy may add more) */
  guardrails: z.array(z.string()).optional(),
});
export type AgentSummary = z.infer<typeof agentSummarySchema>;

/** Response of GET /v1/agents. */
export const agentListSchema = z.object({ agents: z.array(agentSummarySchema) }).meta({ id: "AgentList" });
export type AgentList = z.infer<typeof agentListSchema>;
