import { describe, expect, it } from "vitest";
import type { ServerFrame } from "../contracts/frames";
import type { Message, TurnResponse } from "../contracts/message";
import {
  type ChatCompletionRequest,
  chatCompletionChunkSchema,
  chatCompletionRequestSchema,
} from "../contracts/openai";
import { openAiFailure } from "./openai-errors";
import { planChatTurn } from "./openai-request";
import { OpenAiChunkEncoder, tagStart } from "./openai-stream";

const request = (fields: Record<string, unknown>): ChatCompletionRequest =>
  chatCompletionRequestSchema.parse({ model: "assistant", messages: [{ role: "user", content: "hi" }], ...fields });

describe("planChatTurn", () => {
  it("takes the trailing user messages as the turn and what comes before as the transcript", () => {
    const plan = planChatTurn(
      request({
        messages: [
          { role: "user", content: "one" },
          { role: "assistant", content: [{ type: "text", text: "two" }] },
          { role: "assistant", content: null },
          { role: "user", content: "three" },
          {
            role: "user",
            content: [
              { type: "text", text: "fo" },
              { type: "text", text: "ur" },
            ],
          },
        ],
        stream: true,
        stream_options: { include_usage: true },
        temperature: 0.2,
        max_tokens: 5,
      }),
    );
    expect(plan).toEqual({
      ok: true,
      content: "three\n\nfour",
      transcript: [
        { role: "user", content: "one" },
        { role: "assistant", content: "two" },
        { role: "assistant", content: "" },
      ],
      stream: true,
      includeUsage: true,
    });
  });

  it.each([
    [{ tools: [{ type: "function" }] }, "tools: "],
    [{ functions: [{ name: "f" }] }, "functions: "],
    [{ tool_choice: "required" }, "tool_choice: "],
    [{ n: 3 }, "n: "],
    [{ logprobs: true }, "logprobs: "],
    [{ top_logprobs: 2 }, "top_logprobs: "],
    [{ audio: { voice: "x" } }, "audio: "],
    [{ modalities: ["text", "audio"] }, "modalities: "],
    [{ response_format: { type: "json_schema" } }, "response_format: "],
    [{ prediction: { type: "content" } }, "prediction: "],
    [{ web_search_options: {} }, "web_search_options: "],
    [
      {
        messages: [
          { role: "developer", content: "x" },
          { role: "user", content: "y" },
        ],
      },
      "messages.0.role: ",
    ],
    [
      {
        messages: [
          { role: "user", content: "x" },
          { role: "tool", content: "r", tool_call_id: "c" },
        ],
      },
      "messages.1: ",
    ],
    [{ messages: [{ role: "user", content: [{ type: "input_audio", input_audio: {} }] }] }, "messages.0.content: "],
  ])("refuses %j as unsupported", (fields, prefix) => {
    const plan = planChatTurn(request(fields));
    expect(plan.ok).toBe(false);
    if (!plan.ok) {
      expect(plan.code).toBe("unsupported");
      expect(plan.message.startsWith(prefix)).toBe(true);
    }
  });

  it("accepts what changes nothing: n = 1, tool_choice none, text response format", () => {
    expect(planChatTurn(request({ n: 1, tool_choice: "none", response_format: { type: "text" }, tools: [] })).ok).toBe(
      true,
    );
  });

  it("refuses a request whose last message is not the user's, or whose turn is too long", () => {
    expect(planChatTurn(request({ messages: [{ role: "assistant", content: "hi" }] }))).toMatchObject({
      ok: false,
      code: "validation_failed",
      message: "messages: the last message must be the user's",
    });
    expect(planChatTurn(request({ messages: [{ role: "user", content: "x".repeat(40_000) }] }))).toMatchObject({
      ok: false,
      code: "validation_failed",
    });
  });
});

describe("openAiFailure", () => {
  it.each([
    [
      { code: "validation_failed", message: "messages.0.content: too long" },
      400,
      "invalid_request_error",
      "validation_failed",
      "messages.0.content",
      true,
    ],
    [
      { code: "unauthorized", message: "invalid bearer token" },
      401,
      "authentication_error",
      "unauthorized",
      null,
      true,
    ],
    [
      { code: "not_found", message: "model: no agent named 'x'" },
      404,
      "invalid_request_error",
      "model_not_found",
      "model",
      true,
    ],
    [
      { code: "conflict", message: "Idempotency-Key was already used" },
      409,
      "invalid_request_error",
      "conflict",
      null,
      false,
    ],
    [{ code: "budget_exhausted", message: "spent" }, 429, "insufficient_quota", "budget_exhausted", null, false],
    [{ code: "gateway_saturated", message: "busy" }, 429, "rate_limit_error", "gateway_saturated", null, true],
    [{ code: "model_unavailable", message: "overloaded" }, 503, "server_error", "model_unavailable", null, true],
    [{ code: "misconfigured", message: "EDGENT_X must be" }, 503, "server_error", "misconfigured", null, false],
  ] as const)("maps %j", (error, status, type, code, param, retry) => {
    expect(openAiFailure(error)).toEqual({
      status,
      body: { error: { message: error.message, type, code, param } },
      retry,
    });
  });
});

describe("tagStart", () => {
  it.each([
    ["plain text", 10],
    ["an answer [", 9],
    ["an answer [conf", 9],
    ["an answer [confidence: 0.", 9],
    ["an answer [confidence: 0.8]", 9],
    ["an answer [confidence: 0.8]  ", 9],
    ["a [link](x) here", 16],
    ["list [1, 2]", 11],
    ["an answer [confidence: 0.8] and more", 36],
  ])("holds back what may start a confidence tag in %j", (text, cut) => {
    expect(tagStart(text)).toBe(Math.min(cut, text.length));
  });
});

describe("OpenAiChunkEncoder", () => {
  const T = "t-1";
  const msg = (seq: number, role: Message["role"], content: string, extra: Partial<Message> = {}): Message => ({
    seq,
    role,
    content,
    turnId: T,
    createdAt: "2026-01-01T00:00:00.000Z",
    ...extra,
  });
  const body = (messages: Message[]): TurnResponse => ({
    turnId: T,
    status: "completed",
    reply: messages.at(-1) as Message,
    messages,
    usage: { inputTokens: 7, outputTokens: 3, modelCalls: 1, costUsd: 0 },
    answeredBy: { model: "m", tier: "local" },
  });

  function run(frames: ServerFrame[], includeUsage: boolean): string[] {
    const encoder = new OpenAiChunkEncoder({ model: "assistant", created: 1 }, includeUsage);
    return (frames.map((f) => encoder.encode(f)).join("") + encoder.end()).split("\n\n").filter(Boolean);
  }

  it("sends the role first, the deltas, the stored text it held back, finish_reason, usage and [DONE]", () => {
    const user = msg(1, "user", "q");
    const reply = msg(2, "assistant", "yes");
    const lines = run(
      [
        { type: "message", message: user },
        { type: "delta", turnId: T, text: "yes" },
        { type: "delta", turnId: T, text: " [confidence: 0.9]" },
        { type: "message", message: reply },
        { type: "done", body: body([user, reply]) },
      ],
      true,
    );
    expect(lines.at(-1)).toBe("data: [DONE]");
    const chunks = lines.slice(0, -1).map((line) => chatCompletionChunkSchema.parse(JSON.parse(line.slice(6))));
    expect(chunks.map((c) => c.choices[0]?.delta)).toEqual([
      { role: "assistant", content: "" },
      { content: "yes" },
      {},
      undefined,
    ]);
    expect(chunks.map((c) => c.choices[0]?.finish_reason ?? null)).toEqual([null, null, "stop", null]);
    expect(chunks.at(-1)?.usage).toEqual({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set([`chatcmpl-${T}`]));
  });

  it("sends a replayed turn's reply whole, and a failure as an in-band error without [DONE]", () => {
    const user = msg(1, "user", "q");
    const reply = msg(2, "assistant", "from the record");
    const replayed = run([{ type: "done", body: body([user, reply]) }], false);
    expect(replayed.map((line) => line.slice(0, 40)).at(-1)).toBe("data: [DONE]");
    expect(replayed.some((line) => line.includes('"content":"from the record"'))).toBe(true);
    const failed = run(
      [{ type: "error", error: { code: "model_error", message: "provider failed", turnId: T } }],
      false,
    );
    expect(failed).toEqual([
      `data: ${JSON.stringify({ error: { message: "provider failed", type: "server_error", code: "model_error", param: null } })}`,
    ]);
  });
});
