import type { LanguageModelV4 } from "@ai-sdk/provider";
import { generateText, stepCountIs } from "ai";
import { z } from "zod";
import type { AgentDefinition } from "../../shared/agents/define";
import type { Message, TurnResponse } from "../../shared/contracts/message";
import type { Usage } from "../../shared/contracts/session";
import { planBudget } from "../../shared/context/budget";
import type { Failure } from "../../shared/errors";
import { log } from "../../shared/log";
import { classifyModelFailure } from "../../shared/models/failure";
import { buildContext } from "./context";
import { fromStepMessages } from "./messages";
import type { SessionMeta, SessionStore } from "./store";
import type { Toolbox } from "./toolbox";

/** Everything a turn needs from its session. */
export interface TurnOptions {
  store: SessionStore;
  meta: SessionMeta;
  agent: AgentDefinition;
  toolbox: Toolbox;
  model: LanguageModelV4;
  modelName: string;
  turnId: string;
  content: string;
  maxRetries: number;
  /** longest a single model call may take */
  timeoutMs: number;
}

/** How a turn ended. */
export type TurnOutcome = { status: "completed"; response: TurnResponse } | { status: "failed"; failure: Failure };

/**
 * Runs one turn: stores the user message, builds a bounded context, loops model calls and
 * tools up to the agent's step limit, and stores every step as it finishes. On a provider
 * failure the turn is marked failed and what was stored stays stored.
 */
export async function runTurn(options: TurnOptions): Promise<TurnOutcome> {
  const { store, meta, agent, turnId } = options;
  const started = Date.now();
  store.startTurn(turnId, options.modelName);
  const appended: Message[] = [store.append({ turnId, role: "user", content: options.content })];
  let steps = 0;
  let compacted = false;
  let stepStarted = Date.now();
  let storeError: unknown;

  const logTurn = (status: "completed" | "failed", usage: Usage, errorCode?: string) => {
    log({
      event: "turn",
      tenant: meta.tenant,
      sessionId: meta.sessionId,
      agent: agent.name,
      turnId,
      status,
      durationMs: Date.now() - started,
      model: options.modelName,
      steps,
      compacted,
      ...usage,
      ...(errorCode ? { errorCode } : {}),
    });
    return usage;
  };

  try {
    const context = await buildContext({
      store,
      meta,
      instructions: agent.instructions,
      plan: planBudget(agent.contextBudget, fixedContextText(agent)),
      model: options.model,
      modelName: options.modelName,
      turnId,
      maxRetries: options.maxRetries,
      timeoutMs: options.timeoutMs,
      currentSeq: (appended[0] as Message).seq,
    });
    compacted = context.compacted;
    stepStarted = Date.now();
    const toolContext = {
      tenant: meta.tenant,
      sessionId: meta.sessionId,
      turnId,
      memory: store,
      now: () => new Date(),
    };
    // the SDK swallows errors thrown by step callbacks: catch them here and stop the turn
    const stop = new AbortController();
    const result = await options.toolbox.during(toolContext, () =>
      generateText({
        model: options.model,
        instructions: context.instructions,
        messages: context.messages,
        tools: options.toolbox.tools,
        stopWhen: stepCountIs(agent.maxSteps),
        maxRetries: options.maxRetries,
        timeout: { stepMs: options.timeoutMs },
        abortSignal: stop.signal,
        onStepFinish(step) {
          steps++;
          try {
            store.recordModelCall({
              turnId,
              purpose: "turn",
              model: options.modelName,
              inputTokens: step.usage.inputTokens ?? 0,
              outputTokens: step.usage.outputTokens ?? 0,
              latencyMs: Date.now() - stepStarted,
              finishReason: step.finishReason,
            });
            for (const message of fromStepMessages(turnId, step.response.messages)) {
              appended.push(store.append(message));
            }
          } catch (error) {
            storeError ??= error;
            stop.abort();
          }
          stepStarted = Date.now();
        },
      }),
    );
    if (storeError) throw storeError;

    let reply = appended.at(-1) as Message;
    if (reply.role !== "assistant" || result.finalStep.toolCalls.length > 0) {
      // the model was still calling tools when the step limit ran out
      reply = store.append({
        turnId,
        role: "assistant",
        content: `(stopped after ${agent.maxSteps} steps without a final answer)`,
      });
      appended.push(reply);
    }
    const usage = logTurn("completed", store.finishTurn(turnId, steps));
    return { status: "completed", response: { turnId, reply, messages: appended, usage } };
  } catch (error) {
    const failure: Failure = storeError
      ? { code: "internal", message: "the turn's messages could not be stored", turnId }
      : classifyModelFailure(error, options.modelName, turnId);
    logTurn("failed", store.failTurn(turnId, steps, failure.code, failure.message), failure.code);
    return { status: "failed", failure };
  }
}

const fixedTextCache = new WeakMap<AgentDefinition, string>();

/** Instructions plus tool schemas: the part of every context that does not change. */
function fixedContextText(agent: AgentDefinition): string {
  let text = fixedTextCache.get(agent);
  if (text === undefined) {
    const schemas = Object.entries(agent.tools).map(([name, definition]) => ({
      name,
      description: definition.description,
      parameters: z.toJSONSchema(definition.parameters),
    }));
    text = agent.instructions + JSON.stringify(schemas);
    fixedTextCache.set(agent, text);
  }
  return text;
}
