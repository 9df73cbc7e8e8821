import type { LanguageModelV4 } from "@ai-sdk/provider";
import { type ModelMessage, RetryError, type ToolSet } from "ai";
import type { AgentDefinition } from "../../shared/agents/define";
import { estimateTokens } from "../../shared/context/tokens";
import type { GatewayEvent } from "../../shared/contracts/gateway";
import type { Failure } from "../../shared/errors";
import { CircuitBreaker } from "../../shared/models/breaker";
import { classifyModelFailure } from "../../shared/models/failure";
import { isTransient } from "../../shared/models/retry";
import type { ModelSettings } from "../../shared/models/settings";
import { type AttemptOptions, type AttemptResult, escalateTool, runAttempt } from "./attempt";
import { GatewayRefusedError } from "./gateway-model";

/** What made a turn leave the local model. */
export type EscalationSignal = "tool" | "confidence" | "output_schema" | "error" | "context" | "step_limit";

/** Which model answered, and why the turn escalated if it did. */
export interface AnsweredBy {
  model: string;
  tier: "local" | "central";
  escalation?: { signal: EscalationSignal; reason: string; refused?: string };
}

/** The two tiers of a turn and what the cascade needs around them. */
export interface CascadeOptions extends Omit<AttemptOptions, "tier" | "model" | "modelName" | "purpose" | "tools"> {
  agent: AgentDefinition;
  settings: ModelSettings;
  tools: ToolSet;
  local: { name: string; model: LanguageModelV4; contextWindow: number };
  central: { name: string; model: LanguageModelV4; events: GatewayEvent[] };
}

/** How the cascade ended. */
export type CascadeResult =
  | { status: "answered"; final: ModelMessage[]; answeredBy: AnsweredBy; steps: number }
  | { status: "step_limit"; answeredBy: AnsweredBy; steps: number }
  | { status: "cancelled"; partial: string; answeredBy: AnsweredBy; steps: number }
  /** the model handed tasks to sub-agents: the turn resumes when their results are in */
  | { status: "delegated"; answeredBy: AnsweredBy; steps: number }
  | { status: "failed"; failure: Failure; steps: number };

const CONFIDENCE_NOTE =
  "End your final answer with a line `[confidence: X]`, where X between 0 and 1 says how sure you are that the answer is correct and complete.";

// local models' breakers, shared by the sessions of this isolate
const localBreakers = new Map<string, CircuitBreaker>();

/**
 * Runs a turn on the local model and escalates to the central one (through the tenant's
 * gateway) when an enabled signal fires: the local model asks to, reports low confidence,
 * misses the output schema after one repair, fails after retries or has an open breaker,
 * would get more context than its window, or runs out of steps. When the central model
 * cannot be reached, a local answer that exists is returned, marked as such.
 */
export async function runCascade(options: CascadeOptions): Promise<CascadeResult> {
  const { agent, settings } = options;
  const policy = agent.escalation;
  const on = settings.escalation === "on";
  let steps = 0;
  let carried: ModelMessage[] = [];
  let answer: Extract<AttemptResult, { status: "answered" }> | undefined;
  let escalation: { signal: EscalationSignal; reason: string } | undefined;
  const local = { model: options.local.name, tier: "local" as const };

  const contextTokens =
    estimateTokens(options.instructions) + options.messages.reduce((sum, m) => sum + messageTokens(m), 0);
  const breaker = localBreaker(options.local.name, settings);
  if (on && policy.context && contextTokens > options.local.contextWindow) {
    escalation = {
      signal: "context",
      reason: `the context (~${contextTokens} tokens) exceeds the local model's window of ${options.local.contextWindow}`,
    };
  } else if (on && policy.errors && !breaker.request(Date.now()).allowed) {
    escalation = { signal: "error", reason: `the local model '${options.local.name}' has an open circuit breaker` };
  } else {
    const attempt = await runAttempt({
      ...options,
      tier: "local",
      model: options.local.model,
      modelName: options.local.name,
      purpose: "turn",
      instructions: on && policy.confidence ? `${options.instructions}\n\n${CONFIDENCE_NOTE}` : options.instructions,
      tools: on && policy.tool ? { ...options.tools, escalate: escalateTool } : options.tools,
    });
    steps += attempt.steps;
    if (attempt.status === "cancelled" || (attempt.status === "failed" && !isTransient(lastError(attempt.error)))) {
      // a cancel or a bad request says nothing about the model's health
      breaker.release();
    } else if (attempt.status === "failed") breaker.failure(Date.now());
    else breaker.success();
    switch (attempt.status) {
      case "cancelled":
        return { status: "cancelled", partial: attempt.partial, answeredBy: local, steps };
      case "delegated":
        return { status: "delegated", answeredBy: local, steps };
      case "failed": {
        const failure = failureOf(attempt.error, attempt.storeError, options.local.name, options.turnId);
        if (attempt.storeError || !(on && policy.errors)) return { status: "failed", failure, steps };
        carried = attempt.carried;
        escalation = { signal: "error", reason: failure.message };
        break;
      }
      case "escalate":
        carried = attempt.carried;
        escalation = { signal: "tool", reason: attempt.reason };
        break;
      case "step_limit":
        carried = attempt.carried;
        if (!(on && policy.stepLimit)) return { status: "step_limit", answeredBy: local, steps };
        escalation = {
          signal: "step_limit",
          reason: `the local model did not finish within ${options.maxSteps} steps`,
        };
        break;
      case "answered": {
        carried = attempt.carried;
        answer = attempt;
        if (
          on &&
          policy.confidence &&
          attempt.confidence !== undefined &&
          attempt.confidence < policy.confidenceThreshold
        ) {
          escalation = {
            signal: "confidence",
            reason: `the local model's confidence ${attempt.confidence} is below ${policy.confidenceThreshold}`,
          };
        } else if (agent.outputSchema && schemaError(agent, attempt.text)) {
          const repaired = await repair(options, attempt);
          steps += repaired.steps;
          if (repaired.status === "answered" && !schemaError(agent, repaired.text)) answer = repaired;
          else if (on && policy.outputSchema) {
            escalation = {
              signal: "output_schema",
              reason: `the answer does not match the output schema: ${schemaError(agent, attempt.text)}`,
            };
          }
        }
      }
    }
  }

  if (!escalation) {
    return answer
      ? { status: "answered", final: answer.final, answeredBy: local, steps }
      : { status: "step_limit", answeredBy: local, steps };
  }
  options.sink.emit({
    type: "event",
    turnId: options.turnId,
    name: "escalated",
    data: { ...escalation, from: options.local.name, to: options.central.name },
  });
  const central = await runAttempt({
    ...options,
    tier: "central",
    model: options.central.model,
    modelName: options.central.name,
    purpose: "turn",
    instructions: `${options.instructions}\n\nA smaller model escalated this turn to you because: ${escalation.reason}`,
    messages: [...options.messages, ...carried],
    tools: options.tools,
  });
  steps += central.steps;
  for (const event of options.central.events.splice(0)) {
    options.sink.emit({ type: "event", turnId: options.turnId, name: event.name, data: event.data });
  }
  const centralTier = { model: options.central.name, tier: "central" as const, escalation };
  switch (central.status) {
    case "answered":
      // a fallback may have answered for the central model
      return { status: "answered", final: central.final, answeredBy: { ...centralTier, model: central.model }, steps };
    case "cancelled":
      return { status: "cancelled", partial: central.partial, answeredBy: centralTier, steps };
    case "delegated":
      return { status: "delegated", answeredBy: centralTier, steps };
    case "step_limit":
    case "escalate":
      return { status: "step_limit", answeredBy: centralTier, steps };
    case "failed": {
      const failure = failureOf(central.error, central.storeError, options.central.name, options.turnId);
      if (answer && !central.storeError) {
        // the central model could not be reached: the local answer stands, marked as such
        return {
          status: "answered",
          final: answer.final,
          answeredBy: { ...local, escalation: { ...escalation, refused: failure.code } },
          steps,
        };
      }
      return { status: "failed", failure, steps };
    }
  }
}

/** One more local call that shows the model its schema error. */
async function repair(
  options: CascadeOptions,
  attempt: Extract<AttemptResult, { status: "answered" }>,
): Promise<AttemptResult> {
  return runAttempt({
    ...options,
    tier: "local",
    model: options.local.model,
    modelName: options.local.name,
    purpose: "repair",
    messages: [
      ...options.messages,
      ...attempt.carried,
      ...attempt.final,
      {
        role: "user",
        content: `Your answer does not match the required JSON schema (${schemaError(options.agent, attempt.text)}). Reply again with only the JSON.`,
      },
    ],
    tools: {},
  });
}

/** Why a text is not JSON matching the agent's output schema, or null if it is. */
function schemaError(agent: AgentDefinition, text: string): string | null {
  if (!agent.outputSchema) return null;
  let value: unknown;
  try {
    value = JSON.parse(text.trim().replace(/^```(?:json)?\s*|\s*```$/g, ""));
  } catch {
    return "it is not valid JSON";
  }
  const result = agent.outputSchema.safeParse(value);
  return result.success ? null : (result.error.issues[0]?.message ?? "invalid");
}

function failureOf(error: unknown, storeError: boolean, model: string, turnId: string): Failure {
  if (storeError) return { code: "internal", message: "the turn's messages could not be stored", turnId };
  if (error instanceof GatewayRefusedError) {
    const code =
      error.code === "budget_exhausted"
        ? "budget_exhausted"
        : error.code === "saturated"
          ? "gateway_saturated"
          : error.code === "breaker_open"
            ? "central_unavailable"
            : error.code === "misconfigured"
              ? "model_misconfigured"
              : error.code;
    return {
      code,
      message: error.message,
      turnId,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  return classifyModelFailure(error, model, turnId);
}

function lastError(error: unknown): unknown {
  return RetryError.isInstance(error) ? error.lastError : error;
}

function localBreaker(model: string, settings: ModelSettings): CircuitBreaker {
  let breaker = localBreakers.get(model);
  if (!breaker) {
    breaker = new CircuitBreaker({
      failureThreshold: settings.breakerFailures,
      cooldownMs: settings.breakerCooldownMs,
    });
    localBreakers.set(model, breaker);
  }
  return breaker;
}

function messageTokens(message: ModelMessage): number {
  if (typeof message.content === "string") return 4 + estimateTokens(message.content);
  let tokens = 4;
  for (const part of message.content) {
    if (part.type === "text") tokens += estimateTokens(part.text);
    else if (part.type === "tool-call") tokens += estimateTokens(JSON.stringify(part.input));
    else if (part.type === "tool-result") tokens += estimateTokens(JSON.stringify(part.output));
  }
  return tokens;
}
