import {
  generateText,
  hasToolCall,
  type ModelMessage,
  type StepResult,
  stepCountIs,
  streamText,
  type ToolSet,
} from "ai";
import type { CallPurpose } from "../storage/ledger";
import { StorageFault } from "./model-call";
import type { TurnRun } from "./run";
import { ESCALATE_TOOL } from "./toolbox";
import { fromStepMessages } from "./transcript";

/** One tier's run of the turn's model loop: its own parameters (the run holds the rest). */
export interface LoopOptions {
  tier: "local" | "central";
  purpose: Exclude<CallPurpose, "compaction">;
  instructions: string;
  messages: ModelMessage[];
  tools: ToolSet;
  maxSteps: number;
}

/** How a loop ended. `carried` holds its tool steps, for a model that takes over. */
export type LoopResult = { steps: number } & (
  | {
      status: "answered";
      text: string;
      final: ModelMessage[];
      confidence?: number;
      carried: ModelMessage[];
      /** the model that answered (a gateway's fallback, perhaps) */
      model: string;
    }
  | { status: "escalate"; reason: string; carried: ModelMessage[] }
  /** the last step handed tasks to sub-agents or held calls for approval: the turn waits */
  | { status: "waiting" }
  /** the model asked the user a question (`ask_user`): the turn ends with it */
  | { status: "input_required"; question: string; carried: ModelMessage[] }
  | { status: "step_limit"; carried: ModelMessage[] }
  | { status: "cancelled"; partial: string }
  | { status: "failed"; error: unknown; storeError: boolean; carried: ModelMessage[] }
);

/**
 * Runs the model loop on one tier: streams when someone watches, stores each tool step as it
 * ends (through the output gate), and holds the final answer back so the cascade can judge
 * it before it is stored.
 */
export async function runModelLoop(run: TurnRun, options: LoopOptions): Promise<LoopResult> {
  const carried: ModelMessage[] = [];
  let steps = 0;
  let final: { text: string; messages: ModelMessage[]; confidence?: number } | undefined;
  let answeredModel = options.tier === "local" ? run.models.local.name : run.models.central.name;
  let escalateReason: string | undefined;
  let waiting = false;
  let partial = "";
  let storeError: unknown;
  let callError: unknown;
  const accepted = run.delegation?.accepted;
  const held = run.approvals?.held;
  const offersEscalation = ESCALATE_TOOL in options.tools;
  // the SDK swallows errors thrown by step callbacks: catch them here and stop the loop
  const stop = new AbortController();

  const onStepFinish = async (step: StepResult<ToolSet>) => {
    steps++;
    partial = "";
    run.toolbox.stepEnded();
    try {
      const served = step.providerMetadata?.edgent?.model;
      if (typeof served === "string") answeredModel = served;
      if (step.toolCalls.length > 0) {
        for (const call of step.toolCalls) {
          if (call.invalid) {
            const error = step.toolResults.length === 0 ? "invalid input" : invalidCallError(step, call.toolCallId);
            await run.toolbox.rejected(
              { toolCallId: call.toolCallId, toolName: call.toolName, input: call.input },
              error,
            );
            // a tool of an MCP server that its list lacks: the list is out of date
            if (!(call.toolName in options.tools)) run.mcp?.missing(call.toolName);
          }
        }
        // a delegated task's result is stored when it arrives, not the placeholder the tool returned
        const delegated = accepted
          ? step.toolCalls.filter((call) => call.toolName === "delegate" && accepted.has(call.toolCallId))
          : [];
        const placeholders = new Set(delegated.map((call) => call.toolCallId));
        // a call held for approval is answered when the decision is in
        const heldNow = held ? step.toolCalls.filter((call) => held.has(call.toolCallId)) : [];
        for (const call of heldNow) placeholders.add(call.toolCallId);
        for (const message of fromStepMessages(run.turnId, step.response.messages)) {
          if (message.role === "tool" && placeholders.has(message.toolCallId ?? "")) continue;
          await run.out.store(message);
        }
        waiting ||= delegated.length > 0 || heldNow.length > 0;
        // only an offered escalate tool escalates; a model calling it otherwise gets a tool error
        const escalation = offersEscalation
          ? step.toolCalls.find((call) => call.toolName === ESCALATE_TOOL && !call.invalid)
          : undefined;
        // the reason as the guardrails show it (redacted): it goes to the ledger, events and traces
        if (escalation) {
          escalateReason =
            run.toolbox.escalationReason(escalation.toolCallId) ??
            String((escalation.input as { reason?: unknown }).reason ?? "");
        } else carried.push(...step.response.messages);
      } else {
        const metadata = step.providerMetadata?.edgent;
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
  };

  const call = {
    model: run.model(options.tier, options.purpose),
    instructions: options.instructions,
    messages: options.messages,
    tools: options.tools,
    stopWhen: [
      stepCountIs(options.maxSteps),
      ...(offersEscalation ? [hasToolCall(ESCALATE_TOOL)] : []),
      // the turn waits for its sub-agents or a person without holding the model loop (or a request) open
      ({ steps }: { steps: StepResult<ToolSet>[] }) =>
        steps
          .at(-1)
          ?.toolCalls.some(
            (c) => (c.toolName === "delegate" && accepted?.has(c.toolCallId)) || held?.has(c.toolCallId),
          ) ?? false,
      // a question to the user ends the turn
      () => run.toolbox.question !== null,
    ],
    // every call of a step is announced before any of them runs: a step that asks the user runs nothing else
    toolApproval: ({ toolCall }: { toolCall: { toolName: string } }) => {
      run.toolbox.announce(toolCall.toolName);
      return undefined;
    },
    // retries (with jitter) happen in the model wrapper or the gateway, not here
    maxRetries: 0,
    abortSignal: AbortSignal.any([stop.signal, run.cancel]),
    providerOptions: { edgent: run.callMetadata },
    // Edgent reports its own turns; the SDK's telemetry spans cost a tenth of a turn's CPU
    telemetry: { isEnabled: false },
    onStepFinish,
  };
  const interrupted = () => run.cancel.aborted || stop.signal.aborted;
  const failedWith = (error: unknown) => {
    if (error instanceof StorageFault) storeError ??= error;
    else if (!interrupted()) callError ??= error;
  };
  if (!run.streaming) {
    // nobody is watching deltas: the non-streaming call costs half the CPU in workerd
    await generateText(call).catch(failedWith);
  } else {
    try {
      for await (const part of streamText(call).fullStream) {
        if (part.type === "text-delta" && part.text) {
          partial += part.text;
          const passing = run.out.delta(part.text);
          if (passing) await passing;
        } else if (part.type === "finish-step") {
          // text a guardrail held back to see a value whole goes out when the step's text ends
          const released = run.out.endText();
          if (released) await released;
        } else if (part.type === "error") {
          failedWith(part.error);
        } else if (part.type === "abort" && !interrupted()) {
          callError ??= new DOMException(part.reason ?? "the model call timed out", "TimeoutError");
        }
      }
    } catch (error) {
      failedWith(error);
    }
  }

  if (storeError) return { steps, status: "failed", error: storeError, storeError: true, carried };
  if (run.cancel.aborted) return { steps, status: "cancelled", partial };
  if (callError) return { steps, status: "failed", error: callError, storeError: false, carried };
  // accepted tasks are already on their way: the turn waits for them before anything else
  if (waiting) return { steps, status: "waiting" };
  const question = run.toolbox.question;
  if (question !== null) return { steps, status: "input_required", question, carried };
  if (escalateReason !== undefined)
    return { steps, status: "escalate", reason: escalateReason || "no reason given", carried };
  if (!final) return { steps, status: "step_limit", carried };
  return { steps, status: "answered", ...final, final: final.messages, carried, model: answeredModel };
}

/** The error the SDK gave the model for an invalid tool call. */
function invalidCallError(step: StepResult<ToolSet>, toolCallId: string): string {
  for (const part of step.content) {
    if (part.type === "tool-error" && part.toolCallId === toolCallId) {
      return part.error instanceof Error ? part.error.message : String(part.error);
    }
  }
  return "invalid input";
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
