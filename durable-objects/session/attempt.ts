import type { LanguageModelV4 } from "@ai-sdk/provider";
import {
  generateText,
  hasToolCall,
  type JSONSchema7,
  jsonSchema,
  type ModelMessage,
  type StepResult,
  stepCountIs,
  streamText,
  type ToolSet,
  tool,
} from "ai";
import { z } from "zod";
import type { ModelCatalog } from "../../shared/models/pricing";
import type { TurnLedger } from "./ledger";
import { fromStepMessages } from "./messages";
import type { NewMessage } from "./store";
import type { TurnSink } from "./turn";

/** The tool a local model calls to hand the turn to the central model. */
export const escalateTool = tool({
  description:
    "Hand this request to a larger, more capable model when you cannot answer it well (missing knowledge, complex reasoning, low confidence). Say why.",
  // a fixed JSON Schema: a zod schema here would be converted again on every model call
  inputSchema: jsonSchema<{ reason: string }>(
    z.toJSONSchema(
      z.object({ reason: z.string().min(1).max(500).describe("why a larger model should answer") }),
    ) as JSONSchema7,
  ),
  execute: async () => ({ escalated: true }),
});

/** One tier's run of a turn's model loop. */
export interface AttemptOptions {
  tier: "local" | "central";
  model: LanguageModelV4;
  modelName: string;
  purpose: "turn" | "repair";
  instructions: string;
  messages: ModelMessage[];
  tools: ToolSet;
  maxSteps: number;
  stream: boolean;
  cancel: AbortSignal;
  turnId: string;
  catalog: ModelCatalog;
  ledger: TurnLedger;
  sink: TurnSink;
  /** stores and reports a tool step's messages as soon as the step ends */
  persist(messages: NewMessage[]): void;
  /** the attempt number of the task this turn works on, in a sub-agent's session */
  taskAttempt?: number;
}

/** How an attempt ended. `carried` holds its tool steps, for a model that takes over. */
export type AttemptResult = { steps: number } & (
  | {
      status: "answered";
      text: string;
      final: ModelMessage[];
      confidence?: number;
      carried: ModelMessage[];
      model: string;
    }
  | { status: "escalate"; reason: string; carried: ModelMessage[] }
  /** the last step handed tasks to sub-agents: the turn waits for their results */
  | { status: "delegated"; calls: string[] }
  | { status: "step_limit"; carried: ModelMessage[] }
  | { status: "cancelled"; partial: string }
  | { status: "failed"; error: unknown; storeError: boolean; carried: ModelMessage[] }
);

/**
 * Runs the model loop on one tier: streams when someone watches, stores each tool step as it
 * ends, and holds the final answer back so the cascade can judge it before it is stored.
 */
export async function runAttempt(options: AttemptOptions): Promise<AttemptResult> {
  const carried: ModelMessage[] = [];
  let steps = 0;
  let final: { text: string; messages: ModelMessage[]; confidence?: number } | undefined;
  // a gateway may answer with a fallback model: calls are recorded under the model that answered
  let answeredModel = options.modelName;
  let escalateReason: string | undefined;
  let delegated: string[] | undefined;
  let partial = "";
  let storeError: unknown;
  let callError: unknown;
  let stepStarted = Date.now();
  // the SDK swallows errors thrown by step callbacks: catch them here and stop the attempt
  const stop = new AbortController();

  const onStepFinish = (step: StepResult<ToolSet>) => {
    steps++;
    partial = "";
    try {
      const inputTokens = step.usage.inputTokens ?? 0;
      const outputTokens = step.usage.outputTokens ?? 0;
      const served = (step.providerMetadata?.edgent as { model?: unknown } | undefined)?.model;
      if (typeof served === "string") answeredModel = served;
      const costNanos = options.catalog.costNanos(answeredModel, inputTokens, outputTokens);
      options.ledger.recordCall({
        turnId: options.turnId,
        purpose: options.purpose,
        model: answeredModel,
        tier: options.tier,
        inputTokens,
        outputTokens,
        costNanos,
        latencyMs: Date.now() - stepStarted,
        finishReason: step.finishReason,
      });
      if (step.toolCalls.length > 0) {
        // a queued task's result is stored when it arrives, not the placeholder the tool returned
        const queued = queuedDelegations(step);
        const messages = fromStepMessages(options.turnId, step.response.messages);
        options.persist(
          queued.size ? messages.filter((m) => !(m.role === "tool" && queued.has(m.toolCallId ?? ""))) : messages,
        );
        delegated = queued.size ? [...queued] : undefined;
        // only an offered escalate tool escalates; a model calling it otherwise gets a tool error
        const escalation =
          "escalate" in options.tools
            ? step.toolCalls.find((call) => call.toolName === "escalate" && !call.invalid)
            : undefined;
        if (escalation) escalateReason = String((escalation.input as { reason?: unknown }).reason ?? "");
        else carried.push(...step.response.messages);
      } else {
        const metadata = step.providerMetadata?.edgent as { confidence?: unknown } | undefined;
        const stated = readConfidence(step.text);
        final = {
          text: stated.text,
          messages:
            stated.confidence === undefined ? step.response.messages : withText(step.response.messages, stated.text),
          confidence: typeof metadata?.confidence === "number" ? metadata.confidence : stated.confidence,
        };
      }
    } catch (error) {
      storeError ??= error;
      stop.abort();
    }
    stepStarted = Date.now();
  };

  const call = {
    model: options.model,
    instructions: options.instructions,
    messages: options.messages,
    tools: options.tools,
    stopWhen: [
      stepCountIs(options.maxSteps),
      ...("escalate" in options.tools ? [hasToolCall("escalate")] : []),
      // the turn waits for its sub-agents without holding the model loop (or a request) open
      ({ steps }: { steps: StepResult<ToolSet>[] }) => {
        const last = steps.at(-1);
        return last !== undefined && queuedDelegations(last).size > 0;
      },
    ],
    // retries (with jitter) happen in the model wrapper or the gateway, not here
    maxRetries: 0,
    abortSignal: AbortSignal.any([stop.signal, options.cancel]),
    providerOptions: {
      edgent: { turnId: options.turnId, ...(options.taskAttempt ? { taskAttempt: options.taskAttempt } : {}) },
    },
    // Edgent logs its own turns; the SDK's telemetry spans cost a tenth of a turn's CPU
    telemetry: { isEnabled: false },
    onStepFinish,
  };
  const interrupted = () => options.cancel.aborted || stop.signal.aborted;
  if (!options.stream) {
    // nobody is watching deltas: the non-streaming call costs half the CPU in workerd
    await generateText(call).catch((error: unknown) => {
      if (!interrupted()) callError ??= error;
    });
  } else {
    try {
      for await (const part of streamText(call).fullStream) {
        if (part.type === "text-delta" && part.text) {
          partial += part.text;
          options.sink.emit({ type: "delta", turnId: options.turnId, text: part.text });
        } else if (part.type === "error") {
          callError ??= part.error;
        } else if (part.type === "abort" && !interrupted()) {
          callError ??= new DOMException(part.reason ?? "the model call timed out", "TimeoutError");
        }
      }
    } catch (error) {
      if (!interrupted()) callError ??= error;
    }
  }

  if (storeError) return { steps, status: "failed", error: storeError, storeError: true, carried };
  if (options.cancel.aborted) return { steps, status: "cancelled", partial };
  if (callError) return { steps, status: "failed", error: callError, storeError: false, carried };
  // accepted tasks are already on their way: the turn waits for them before anything else
  if (delegated) return { steps, status: "delegated", calls: delegated };
  if (escalateReason !== undefined)
    return { steps, status: "escalate", reason: escalateReason || "no reason given", carried };
  if (!final) return { steps, status: "step_limit", carried };
  return { steps, status: "answered", ...final, final: final.messages, carried, model: answeredModel };
}

/** Calls of the `delegate` tool in a step whose task was accepted (queued for a sub-agent). */
function queuedDelegations(step: StepResult<ToolSet>): Set<string> {
  const queued = new Set<string>();
  for (const result of step.toolResults) {
    if (result.toolName !== "delegate") continue;
    const output = result.output as { status?: unknown } | null;
    if (output && typeof output === "object" && output.status === "queued") queued.add(result.toolCallId);
  }
  return queued;
}

/** Reads a trailing `[confidence: 0.42]` that a model was asked to add, and removes it. */
export function readConfidence(text: string): { text: string; confidence?: number } {
  const match = /\s*\[confidence:\s*([01](?:\.\d+)?)\]\s*$/i.exec(text);
  if (!match) return { text };
  return { text: text.slice(0, match.index), confidence: Number(match[1]) };
}

/** The step's assistant message with its text replaced (the confidence tag removed). */
function withText(messages: ModelMessage[], text: string): ModelMessage[] {
  return messages.map((message) => {
    if (message.role !== "assistant") return message;
    if (typeof message.content === "string") return { ...message, content: text };
    const rest = message.content.filter((part) => part.type !== "text");
    return { ...message, content: [{ type: "text" as const, text }, ...rest] };
  });
}
