import { type ModelMessage, RetryError, type ToolSet } from "ai";
import type { AgentDefinition } from "../../../shared/agents/define";
import type { Failure } from "../../../shared/errors";
import type { CircuitBreaker } from "../../../shared/models/breaker";
import { classifyModelFailure } from "../../../shared/models/failure";
import { isTransient } from "../../../shared/models/retry";
import type { Settings } from "../../../shared/settings";
import { CentralRefusal } from "./central-model";
import { localBreakers } from "./local-breakers";
import { type LoopResult, runModelLoop } from "./model-loop";
import type { TurnRun } from "./run";
import { ESCALATE_TOOL } from "./toolbox";

/** What made a turn leave the local model. */
export type EscalationSignal = "tool" | "confidence" | "output_schema" | "error" | "context" | "step_limit";

/** Which model answered, and why the turn escalated if it did. */
export interface AnsweredBy {
  model: string;
  tier: "local" | "central";
  escalation?: { signal: EscalationSignal; reason: string; refused?: string };
}

/** What the cascade runs on: the turn's context and tools (the run holds the rest). */
export interface CascadeOptions {
  instructions: string;
  messages: ModelMessage[];
  /** the context's size, as the context builder counted it */
  contextTokens: number;
  tools: ToolSet;
  maxSteps: number;
}

/** How the cascade ended. */
export type CascadeResult =
  | { status: "answered"; final: ModelMessage[]; answeredBy: AnsweredBy; steps: number }
  | { status: "step_limit"; answeredBy: AnsweredBy; steps: number }
  | { status: "cancelled"; partial: string; answeredBy: AnsweredBy; steps: number }
  /** the model handed tasks to sub-agents or held calls for approval: the turn goes on when they are done */
  | { status: "waiting"; answeredBy: AnsweredBy; steps: number }
  /** the model asked the user a question */
  | { status: "input_required"; question: string; answeredBy: AnsweredBy; steps: number }
  | { status: "failed"; failure: Failure; steps: number };

const CONFIDENCE_NOTE =
  "End your final answer with a line `[confidence: X]`, where X between 0 and 1 says how sure you are that the answer is correct and complete.";

type Answered = Extract<LoopResult, { status: "answered" }>;

/** Where the local tier left the turn: finished, or escalating with what it had. */
type LocalOutcome =
  | { done: CascadeResult }
  | { escalation: Escalation; carried: ModelMessage[]; answer?: Answered; steps: number };

type Escalation = { signal: EscalationSignal; reason: string };

/**
 * Runs a turn on the local model and escalates to the central one (through the tenant's
 * gateway) when an enabled signal fires: the local model asks to, reports low confidence,
 * misses the output schema after one repair, fails after retries or has an open breaker,
 * would get more context than its window, or runs out of steps. When the central model
 * cannot be reached, a local answer that exists is returned, marked as such.
 */
export async function runCascade(run: TurnRun, options: CascadeOptions): Promise<CascadeResult> {
  const local = await runLocal(run, options);
  if ("done" in local) return local.done;
  const { escalation, carried, answer } = local;
  const from = run.models.local.name;
  const to = run.models.central.name;
  run.out.event({ name: "escalated", data: { ...escalation, from, to } });
  const central = await runModelLoop(run, {
    tier: "central",
    purpose: "turn",
    instructions: `${options.instructions}\n\nA smaller model escalated this turn to you because: ${escalation.reason}`,
    messages: [...options.messages, ...carried],
    tools: options.tools,
    maxSteps: options.maxSteps,
  });
  const steps = local.steps + central.steps;
  const centralTier = { model: to, tier: "central" as const, escalation };
  switch (central.status) {
    case "answered":
      // a fallback may have answered for the central model
      return { status: "answered", final: central.final, answeredBy: { ...centralTier, model: central.model }, steps };
    case "cancelled":
      return { status: "cancelled", partial: central.partial, answeredBy: centralTier, steps };
    case "waiting":
      return { status: "waiting", answeredBy: centralTier, steps };
    case "input_required":
      return { status: "input_required", question: central.question, answeredBy: centralTier, steps };
    case "step_limit":
    case "escalate":
      return { status: "step_limit", answeredBy: centralTier, steps };
    case "failed": {
      const failure = failureOf(run, central, to);
      if (answer && !central.storeError) {
        // the central model could not be reached: the local answer stands, marked as such
        const refused = { ...escalation, refused: failure.code };
        return {
          status: "answered",
          final: answer.final,
          answeredBy: { model: from, tier: "local", escalation: refused },
          steps,
        };
      }
      return { status: "failed", failure, steps };
    }
  }
}

/** The local tier's part: it answers, or says why the central model should. */
async function runLocal(run: TurnRun, options: CascadeOptions): Promise<LocalOutcome> {
  const { agent } = run;
  const policy = agent.escalation;
  const on = run.models.settings.EDGENT_ESCALATION === "on";
  const name = run.models.local.name;
  const local = { model: name, tier: "local" as const };
  const window = run.localWindow;
  const breaker = localBreaker(run.session.tenant, name, run.models.settings);
  if (on && policy.context && options.contextTokens > window) {
    const reason = `the context (~${options.contextTokens} tokens) exceeds the local model's window of ${window}`;
    return { escalation: { signal: "context", reason }, carried: [], steps: 0 };
  }
  if (on && policy.errors && !breaker.request(Date.now()).allowed) {
    const reason = `the local model '${name}' has an open circuit breaker`;
    return { escalation: { signal: "error", reason }, carried: [], steps: 0 };
  }
  const attempt = await runModelLoop(run, {
    tier: "local",
    purpose: "turn",
    instructions: on && policy.confidence ? `${options.instructions}\n\n${CONFIDENCE_NOTE}` : options.instructions,
    messages: options.messages,
    tools: on && policy.tool ? { ...options.tools, [ESCALATE_TOOL]: run.toolbox.escalate } : options.tools,
    maxSteps: options.maxSteps,
  });
  let steps = attempt.steps;
  if (attempt.status === "cancelled" || (attempt.status === "failed" && !isTransient(lastError(attempt.error)))) {
    // a cancel or a bad request says nothing about the model's health
    breaker.release();
  } else if (attempt.status === "failed") breaker.failure(Date.now());
  else breaker.success();
  switch (attempt.status) {
    case "cancelled":
      return { done: { status: "cancelled", partial: attempt.partial, answeredBy: local, steps } };
    case "waiting":
      return { done: { status: "waiting", answeredBy: local, steps } };
    case "input_required":
      return { done: { status: "input_required", question: attempt.question, answeredBy: local, steps } };
    case "failed": {
      const failure = failureOf(run, attempt, name);
      if (attempt.storeError || !(on && policy.errors)) return { done: { status: "failed", failure, steps } };
      return { escalation: { signal: "error", reason: failure.message }, carried: attempt.carried, steps };
    }
    case "escalate":
      return { escalation: { signal: "tool", reason: attempt.reason }, carried: attempt.carried, steps };
    case "step_limit": {
      if (!(on && policy.stepLimit)) return { done: { status: "step_limit", answeredBy: local, steps } };
      const reason = `the local model did not finish within ${options.maxSteps} steps`;
      return { escalation: { signal: "step_limit", reason }, carried: attempt.carried, steps };
    }
    case "answered": {
      const { carried } = attempt;
      if (
        on &&
        policy.confidence &&
        attempt.confidence !== undefined &&
        attempt.confidence < policy.confidenceThreshold
      ) {
        const reason = `the local model's confidence ${attempt.confidence} is below ${policy.confidenceThreshold}`;
        return { escalation: { signal: "confidence", reason }, carried, answer: attempt, steps };
      }
      let answer = attempt;
      if (agent.outputSchema && schemaError(agent, attempt.text)) {
        const repaired = await repair(run, options, attempt);
        steps += repaired.steps;
        if (repaired.status === "answered" && !schemaError(agent, repaired.text)) answer = repaired;
        else if (on && policy.outputSchema) {
          const reason = `the answer does not match the output schema: ${schemaError(agent, attempt.text)}`;
          return { escalation: { signal: "output_schema", reason }, carried, answer, steps };
        }
      }
      return { done: { status: "answered", final: answer.final, answeredBy: local, steps } };
    }
  }
}

/** One more local call that shows the model its schema error. */
async function repair(run: TurnRun, options: CascadeOptions, attempt: Answered): Promise<LoopResult> {
  return runModelLoop(run, {
    tier: "local",
    purpose: "repair",
    instructions: options.instructions,
    messages: [
      ...options.messages,
      ...attempt.carried,
      ...attempt.final,
      {
        role: "user",
        content: `Your answer does not match the required JSON schema (${schemaError(run.agent, attempt.text)}). Reply again with only the JSON.`,
      },
    ],
    tools: {},
    maxSteps: options.maxSteps,
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

/** The one mapping of a failed loop to the error vocabulary. */
function failureOf(run: TurnRun, failed: Extract<LoopResult, { status: "failed" }>, model: string): Failure {
  const { turnId } = run;
  if (failed.storeError) return { code: "internal", message: "the turn's messages could not be stored", turnId };
  if (failed.error instanceof CentralRefusal) return { ...failed.error.failure, turnId };
  return { ...classifyModelFailure(failed.error, model), turnId };
}

function lastError(error: unknown): unknown {
  return RetryError.isInstance(error) ? error.lastError : error;
}

function localBreaker(tenant: string, model: string, settings: Settings): CircuitBreaker {
  return localBreakers.of(tenant, model, {
    failureThreshold: settings.EDGENT_BREAKER_FAILURES,
    cooldownMs: settings.EDGENT_BREAKER_COOLDOWN_MS,
  });
}
