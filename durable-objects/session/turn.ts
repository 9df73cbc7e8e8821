import type { LanguageModelV4 } from "@ai-sdk/provider";
import { generateText, type StepResult, stepCountIs, streamText, type ToolSet } from "ai";
import { z } from "zod";
import type { AgentDefinition, FactMemory } from "../../shared/agents/define";
import type { ServerFrame, TurnStatus } from "../../shared/contracts/frames";
import type { Message, TurnResponse } from "../../shared/contracts/message";
import type { Usage } from "../../shared/contracts/session";
import { planBudget } from "../../shared/context/budget";
import type { Failure } from "../../shared/errors";
import { log } from "../../shared/log";
import { classifyModelFailure } from "../../shared/models/failure";
import { buildContext } from "./context";
import { fromStepMessages } from "./messages";
import type { NewMessage, SessionMeta, SessionStore } from "./store";
import type { Toolbox } from "./toolbox";

/** Where a turn reports what happens as it happens: deltas, stored messages, status. */
export interface TurnSink {
  emit(frame: ServerFrame): void;
}

/** Everything a turn needs from its session. */
export interface TurnOptions {
  store: SessionStore;
  /** the session's facts, for the remember/recall tools */
  memory: FactMemory;
  meta: SessionMeta;
  agent: AgentDefinition;
  toolbox: Toolbox;
  model: LanguageModelV4;
  modelName: string;
  turnId: string;
  content: string;
  clientId?: string;
  maxRetries: number;
  /** longest a single model call may take */
  timeoutMs: number;
  sink: TurnSink;
  /** stream the model's output as deltas (someone is watching), or make one call per step */
  stream: boolean;
  /** aborted to cancel the turn */
  cancel: AbortSignal;
}

/** How a turn ended. */
export type TurnOutcome = { status: "completed"; response: TurnResponse } | { status: "failed"; failure: Failure };

/**
 * Runs one turn: stores the user message, builds a bounded context, streams model calls and
 * tools up to the agent's step limit, and stores every step as it finishes. A provider
 * failure marks the turn failed; a cancel stores what was produced, marked cancelled. What
 * was stored stays stored either way.
 */
export async function runTurn(options: TurnOptions): Promise<TurnOutcome> {
  const { store, meta, agent, turnId, sink } = options;
  const started = Date.now();
  store.startTurn(turnId, options.modelName);
  const appended: Message[] = [];
  const keep = (message: NewMessage): Message => {
    const stored = store.append(message);
    appended.push(stored);
    sink.emit({ type: "message", message: stored });
    return stored;
  };
  keep({ turnId, role: "user", content: options.content });
  sink.emit({ type: "turn", turnId, status: "started", ...(options.clientId ? { clientId: options.clientId } : {}) });
  let steps = 0;
  let compacted = false;
  let stepStarted = Date.now();
  let storeError: unknown;
  let streamError: unknown;
  let partial = "";
  let lastStepCalledTools = false;

  const end = (status: Exclude<TurnStatus, "started">, usage: Usage, errorCode?: string) => {
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
    sink.emit({ type: "turn", turnId, status, ...(options.clientId ? { clientId: options.clientId } : {}) });
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
      memory: options.memory,
      now: () => new Date(),
    };
    // the SDK swallows errors thrown by step callbacks: catch them here and stop the turn
    const stop = new AbortController();
    const call = {
      model: options.model,
      instructions: context.instructions,
      messages: context.messages,
      tools: options.toolbox.tools,
      stopWhen: stepCountIs(agent.maxSteps),
      maxRetries: options.maxRetries,
      timeout: { stepMs: options.timeoutMs },
      abortSignal: AbortSignal.any([stop.signal, options.cancel]),
      onStepFinish(step: StepResult<ToolSet>) {
        steps++;
        partial = "";
        lastStepCalledTools = step.toolCalls.length > 0;
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
          for (const message of fromStepMessages(turnId, step.response.messages)) keep(message);
        } catch (error) {
          storeError ??= error;
          stop.abort();
        }
        stepStarted = Date.now();
      },
    };
    await options.toolbox.during(toolContext, async () => {
      if (!options.stream) {
        // nobody is watching deltas: the non-streaming call costs half the CPU in workerd
        await generateText(call).catch((error: unknown) => {
          if (!options.cancel.aborted && !stop.signal.aborted) streamError ??= error;
        });
        return;
      }
      for await (const part of streamText(call).fullStream) {
        if (part.type === "text-delta" && part.text) {
          partial += part.text;
          sink.emit({ type: "delta", turnId, text: part.text });
        } else if (part.type === "error") {
          streamError ??= part.error;
        } else if (part.type === "abort" && !options.cancel.aborted && !stop.signal.aborted) {
          // the SDK ends a stream whose step ran out of time with an abort, not an error
          streamError ??= new DOMException(part.reason ?? "the model call timed out", "TimeoutError");
        }
      }
    });
    if (storeError) throw storeError;
    if (options.cancel.aborted) {
      // what the model had produced when it was stopped is kept, marked cancelled
      const reply = keep({ turnId, role: "assistant", content: partial, cancelled: true });
      const usage = end("cancelled", store.endTurn(turnId, "cancelled", steps));
      return { status: "completed", response: { turnId, status: "cancelled", reply, messages: appended, usage } };
    }
    if (streamError) throw streamError;

    let reply = appended.at(-1) as Message;
    if (reply.role !== "assistant" || lastStepCalledTools) {
      // the model was still calling tools when the step limit ran out
      reply = keep({
        turnId,
        role: "assistant",
        content: `(stopped after ${agent.maxSteps} steps without a final answer)`,
      });
    }
    const usage = end("completed", store.finishTurn(turnId, steps));
    return { status: "completed", response: { turnId, status: "completed", reply, messages: appended, usage } };
  } catch (error) {
    const failure: Failure = storeError
      ? { code: "internal", message: "the turn's messages could not be stored", turnId }
      : classifyModelFailure(error, options.modelName, turnId);
    end("failed", store.failTurn(turnId, steps, failure.code, failure.message), failure.code);
    sink.emit({ type: "error", error: failure });
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
