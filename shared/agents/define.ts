import type { z } from "zod";
import { DEFAULT_CONTEXT_BUDGET } from "../context/budget";
import type { DelegateInput } from "../contracts/task";
import type { Guardrail } from "../guardrails/define";
import type { ArgLimit } from "../guardrails/limits";
import { MCP_SERVER_NAME } from "../mcp/tool-names";
import type { OfflinePlaybook } from "../models/playbook";

/** A fact remembered in a session's memory. */
export interface Fact {
  key: string;
  value: string;
  updatedAt: string;
}

/** The session memory tools may read and write; backed by the session's SQL tables. */
export interface FactMemory {
  remember(key: string, value: string): Fact;
  recall(query?: string): Fact[];
}

/** What a tool sees of the session it runs in. */
export interface ToolContext {
  tenant: string;
  sessionId: string;
  turnId: string;
  memory: FactMemory;
  now(): Date;
  /** present in turns of agents that have delegates */
  delegation?: DelegationPort;
}

/** How a coordinator's `delegate` tool hands a task to a sub-agent. */
export interface DelegationPort {
  /**
   * Records the task for dispatch when the step ends, or throws a ToolError saying why it is
   * refused. `spanId` is the calling tool span's, under which the task's spans are traced.
   */
  request(input: DelegateInput, toolCallId: string, spanId?: string): { taskId: string; agent: string };
}

/** A tool error the model should see, e.g. bad arguments or a failed lookup. */
export class ToolError extends Error {
  override readonly name = "ToolError";
}

/** An argument of a tool, or a dotted path into one. */
type ArgPath<Args> = Args extends object
  ? Extract<keyof Args, string> | `${Extract<keyof Args, string>}.${string}`
  : string;

/** A tool an agent offers its model; arguments are validated against `parameters` first. */
export interface AgentTool<Params extends z.ZodType = z.ZodType> {
  description: string;
  parameters: Params;
  execute(args: z.output<Params>, context: ToolContext): unknown;
  /**
   * The call has side effects a person must approve first: it does not run, the turn waits
   * (durably) for a decision. `true`, or a function of the call's arguments.
   */
  needsApproval?: boolean | ((args: z.output<Params>, context: ToolContext) => boolean | Promise<boolean>);
  /** bounds on arguments: past one, the call needs approval or is refused (see `arg_limits`) */
  limits?: ReadonlyArray<ArgLimit<ArgPath<z.output<Params>>>>;
}

/** Defines a tool with its argument types inferred from the zod schema. */
export function defineTool<Params extends z.ZodType>(tool: AgentTool<Params>): AgentTool<Params> {
  return tool;
}

/** An MCP server whose tools an agent is offered, and which of them. */
export interface McpServerUse {
  /** a server defined in EDGENT_MCP_SERVERS (its URL and timeout; its headers in EDGENT_MCP_HEADERS) */
  server: string;
  /** only these tools, by their names on the server; every tool it lists when omitted */
  tools?: string[];
}

/** What an author writes to define an agent. */
export interface AgentConfig {
  name: string;
  description: string;
  instructions: string;
  // biome-ignore lint/suspicious/noExplicitAny: a tool's own argument type is checked by defineTool
  tools?: Record<string, AgentTool<any>>;
  /** `provider:model` of the local tier; falls back to EDGENT_DEFAULT_MODEL, then the builtin model */
  model?: string;
  /** `provider:model` of the central tier; falls back to EDGENT_DEFAULT_CENTRAL_MODEL */
  central?: string;
  /** which signals escalate a turn from the local to the central model (all on by default) */
  escalation?: Partial<EscalationPolicy>;
  /** the final answer must be JSON matching this schema; checked after one repair attempt */
  outputSchema?: z.ZodType;
  /** tokens of context given to the model per call (default 8,000) */
  contextBudget?: number;
  /** model calls per turn before the turn stops (default 8) */
  maxSteps?: number;
  /**
   * agents this one may hand tasks to with the `delegate` tool; each runs in its own object. A
   * name, or a policy with that delegate's own fallback, deadline and compensating action
   */
  delegates?: Array<string | DelegatePolicy>;
  /** agent that retries a task whose sub-agent failed or timed out, unless the delegate names its own */
  fallback?: string;
  /** MCP servers whose tools the agent is offered, as `<server>__<tool>` (a name uses every tool) */
  mcpServers?: Array<string | McpServerUse>;
  /** guardrails of this agent, on top of the ones its tenant's policy turns on */
  guardrails?: Guardrail[];
  /** what the offline builtin model does for this agent when the user's message is not a directive */
  playbook?: OfflinePlaybook;
}

/** How a coordinator works with one of its delegates. */
export interface DelegatePolicy {
  agent: string;
  /** takes a task this delegate failed or timed out on (instead of the coordinator's `fallback`) */
  fallback?: string;
  /** how long one of its tasks may take, in ms (default EDGENT_TASK_TIMEOUT_MS; EDGENT_DELEGATE_TIMEOUTS_MS overrides) */
  timeoutMs?: number;
  /**
   * runs when a task of this delegate failed for good (its fallback too, if any): what it
   * returns stands as the task's result, marked compensated, so the request still completes
   */
  compensate?: (failure: DelegateFailure) => string;
}

/** A delegated task that failed for good, as a compensating action sees it. */
export interface DelegateFailure {
  /** the delegate the task was for */
  agent: string;
  /** the agent that last tried it (the delegate, or its fallback) */
  lastAgent: string;
  task: string;
  status: "failed" | "timed_out";
  error: string;
}

/** When a turn leaves the local model for the central one. */
export interface EscalationPolicy {
  /** offer the local model an `escalate` tool */
  tool: boolean;
  /** escalate when the local model's self-reported confidence is below `confidenceThreshold` */
  confidence: boolean;
  confidenceThreshold: number;
  /** escalate when the answer fails `outputSchema` after one repair attempt */
  outputSchema: boolean;
  /** escalate when the local model errors or times out after retries, or its breaker is open */
  errors: boolean;
  /** escalate when the context is larger than the local model's window */
  context: boolean;
  /** escalate when the local model hits the step limit without finishing */
  stepLimit: boolean;
}

export const DEFAULT_ESCALATION: EscalationPolicy = {
  tool: true,
  confidence: true,
  confidenceThreshold: 0.5,
  outputSchema: true,
  errors: true,
  context: true,
  stepLimit: true,
};

/** An agent definition with its defaults filled in. */
export interface AgentDefinition
  extends Required<
    Omit<
      AgentConfig,
      "model" | "central" | "escalation" | "outputSchema" | "fallback" | "delegates" | "mcpServers" | "playbook"
    >
  > {
  mcpServers: McpServerUse[];
  model?: string;
  central?: string;
  fallback?: string;
  playbook?: OfflinePlaybook;
  escalation: EscalationPolicy;
  outputSchema?: z.ZodType;
  /** the names of the agents it may delegate to */
  delegates: string[];
  /** each delegate's policy, by name */
  delegation: Readonly<Record<string, DelegatePolicy>>;
}

const AGENT_NAME = /^[a-z][a-z0-9-]{0,63}$/;
const TOOL_NAME = /^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/;
/** Tools the runtime itself offers: `escalate` (cascade) and `delegate` (sub-agents). */
const RESERVED_TOOLS = new Set(["escalate", "delegate"]);

/** The name under which an agent offers the runtime's `ask_user` tool. */
export const ASK_USER_TOOL = "ask_user";

/** Defines an agent, checking its names and filling in defaults. */
export function defineAgent(config: AgentConfig): AgentDefinition {
  if (!AGENT_NAME.test(config.name)) throw new Error(`agent name '${config.name}' must match ${AGENT_NAME}`);
  for (const name of Object.keys(config.tools ?? {})) {
    if (!TOOL_NAME.test(name)) throw new Error(`tool name '${name}' of agent '${config.name}' must match ${TOOL_NAME}`);
    if (RESERVED_TOOLS.has(name)) throw new Error(`tool name '${name}' of agent '${config.name}' is reserved`);
  }
  const delegation: Record<string, DelegatePolicy> = {};
  for (const entry of config.delegates ?? []) {
    const policy = typeof entry === "string" ? { agent: entry } : entry;
    if (policy.timeoutMs !== undefined && !(Number.isInteger(policy.timeoutMs) && policy.timeoutMs >= 100)) {
      throw new Error(`delegate '${policy.agent}' of agent '${config.name}' needs a timeoutMs of at least 100`);
    }
    delegation[policy.agent] = { ...delegation[policy.agent], ...policy };
  }
  const fallbacks = Object.values(delegation).flatMap((policy) => (policy.fallback ? [policy.fallback] : []));
  for (const name of [...Object.keys(delegation), ...fallbacks, ...(config.fallback ? [config.fallback] : [])]) {
    if (!AGENT_NAME.test(name))
      throw new Error(`delegate '${name}' of agent '${config.name}' must match ${AGENT_NAME}`);
  }
  const names = new Set<string>();
  for (const guardrail of config.guardrails ?? []) {
    if (names.has(guardrail.name)) throw new Error(`agent '${config.name}' lists guardrail '${guardrail.name}' twice`);
    names.add(guardrail.name);
  }
  if (config.fallback && !config.delegates?.length) {
    throw new Error(`agent '${config.name}' declares a fallback but no delegates`);
  }
  const mcpServers = (config.mcpServers ?? []).map((use) => (typeof use === "string" ? { server: use } : use));
  for (const { server } of mcpServers) {
    if (!MCP_SERVER_NAME.test(server))
      throw new Error(`MCP server '${server}' of agent '${config.name}' must match ${MCP_SERVER_NAME}`);
  }
  if (new Set(mcpServers.map((use) => use.server)).size !== mcpServers.length) {
    throw new Error(`agent '${config.name}' names an MCP server twice`);
  }
  return {
    ...config,
    mcpServers,
    tools: config.tools ?? {},
    escalation: { ...DEFAULT_ESCALATION, ...config.escalation },
    contextBudget: config.contextBudget ?? DEFAULT_CONTEXT_BUDGET,
    maxSteps: config.maxSteps ?? 8,
    delegates: Object.keys(delegation),
    delegation,
    guardrails: config.guardrails ?? [],
  };
}
