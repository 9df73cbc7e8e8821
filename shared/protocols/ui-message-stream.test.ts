import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../contracts/frames";
import type { Message, TurnResponse } from "../contracts/message";
import { uiChunkSchema } from "../contracts/ui-chat";
import { UiMessageEncoder } from "./ui-message-stream";

const T = "turn-1";
let seq = 0;
const at = "2026-01-01T00:00:00.000Z";

function message(role: Message["role"], content: string, extra: Partial<Message> = {}): Message {
  return { seq: ++seq, role, content, turnId: T, createdAt: at, ...extra };
}
const stored = (m: Message): ServerFrame => ({ type: "message", message: m });
const delta = (text: string): ServerFrame => ({ type: "delta", turnId: T, text });
const usage = { inputTokens: 10, outputTokens: 5, modelCalls: 1, costUsd: 0 };

function done(messages: Message[], status: "completed" | "cancelled" = "completed"): ServerFrame {
  const body: TurnResponse = {
    turnId: T,
    status,
    reply: messages.at(-1) as Message,
    messages,
    usage,
    answeredBy: { model: "m", tier: "local" },
  };
  return { type: "done", body };
}

/** The chunks an encoder writes for frames, each checked against the chunk contract. */
function encode(frames: ServerFrame[]): unknown[] {
  const encoder = new UiMessageEncoder();
  const text = frames.map((frame) => encoder.encode(frame)).join("") + encoder.end();
  const lines = text.split("\n\n").filter(Boolean);
  expect(lines.at(-1)).toBe("data: [DONE]");
  return lines.slice(0, -1).map((line) => uiChunkSchema.parse(JSON.parse(line.replace(/^data: /, ""))));
}

const types = (chunks: unknown[]) => chunks.map((chunk) => (chunk as { type: string }).type);

describe("UiMessageEncoder", () => {
  it("streams text as one step and finishes with the turn's metadata", () => {
    seq = 0;
    const user = message("user", "hi");
    const reply = message("assistant", "hello there");
    const chunks = encode([
      stored(user),
      { type: "turn", turnId: T, status: "started" },
      delta("hello "),
      delta("there"),
      stored(reply),
      { type: "turn", turnId: T, status: "completed" },
      done([user, reply]),
    ]);
    expect(chunks).toEqual([
      { type: "start", messageId: T },
      { type: "start-step" },
      { type: "text-start", id: "text-1" },
      { type: "text-delta", id: "text-1", delta: "hello " },
      { type: "text-delta", id: "text-1", delta: "there" },
      { type: "text-end", id: "text-1" },
      { type: "finish-step" },
      {
        type: "finish",
        finishReason: "stop",
        messageMetadata: { turnId: T, usage, answeredBy: { model: "m", tier: "local" } },
      },
    ]);
  });

  it("shows tool calls and results, closing the step when every call has its output", () => {
    seq = 0;
    const user = message("user", "add");
    const calls = message("assistant", "", {
      toolCalls: [
        { toolCallId: "a", toolName: "calculator", input: { expression: "1+1" } },
        { toolCallId: "b", toolName: "recall", input: {} },
      ],
    });
    const first = message("tool", '{"value":2}', { toolCallId: "a", toolName: "calculator", isError: false });
    const second = message("tool", "nothing stored", { toolCallId: "b", toolName: "recall", isError: true });
    const reply = message("assistant", "2");
    const chunks = encode([
      stored(user),
      stored(calls),
      stored(first),
      stored(second),
      stored(reply),
      done([user, calls, first, second, reply]),
    ]);
    expect(types(chunks)).toEqual([
      "start",
      "start-step",
      "tool-input-available",
      "tool-input-available",
      "tool-output-available",
      "tool-output-error",
      "finish-step",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks[4]).toEqual({ type: "tool-output-available", toolCallId: "a", output: { value: 2 } });
    expect(chunks[5]).toEqual({ type: "tool-output-error", toolCallId: "b", errorText: "nothing stored" });
  });

  it("withdraws a held-back answer an escalation set aside, and text the stored message does not match", () => {
    seq = 0;
    const user = message("user", "q");
    const reply = message("assistant", "[central] better");
    const chunks = encode([
      stored(user),
      delta("a guess"),
      { type: "event", turnId: T, name: "escalated", data: { signal: "confidence" } },
      delta("[central] better [confidence: 0.9]"),
      stored(reply),
      done([user, reply]),
    ]);
    expect(types(chunks)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "reset-step",
      "data-escalated",
      "text-start",
      "text-delta",
      "text-end",
      "reset-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks.at(-4)).toEqual({ type: "text-delta", id: "text-3", delta: "[central] better" });
  });

  it("shows a replayed turn, that had no frames, from its final body", () => {
    seq = 0;
    const user = message("user", "again");
    const reply = message("assistant", "same answer");
    const chunks = encode([done([user, reply])]);
    expect(types(chunks)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "finish",
    ]);
    expect(chunks[3]).toMatchObject({ delta: "same answer" });
  });

  it("marks a cancelled turn interrupted, and a failed one an error", () => {
    seq = 0;
    const user = message("user", "go");
    const partial = message("assistant", "half", { cancelled: true });
    const cancelled = encode([stored(user), delta("half"), stored(partial), done([user, partial], "cancelled")]);
    expect(cancelled.at(-1)).toMatchObject({ type: "finish", finishReason: "interrupted" });
    const failed = encode([
      stored(message("user", "x")),
      delta("par"),
      { type: "error", error: { code: "model_unavailable", message: "the model is overloaded", turnId: T } },
    ]);
    expect(types(failed)).toEqual([
      "start",
      "start-step",
      "text-start",
      "text-delta",
      "text-end",
      "finish-step",
      "error",
      "finish",
    ]);
    expect(failed.at(-2)).toEqual({ type: "error", errorText: "the model is overloaded" });
    expect(failed.at(-1)).toEqual({ type: "finish", finishReason: "error" });
  });
});
