import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { messagePageSchema } from "../../shared/contracts/message";
import { Client } from "../support/client.ts";
import { type MockOpenAI, type MockReply, openaiAssistantVars, startMockOpenAI } from "../support/openai-mock.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";

let openai: MockOpenAI;
let runtime: Runtime;
let api: Client;
let script: MockReply[] = [];

beforeAll(async () => {
  openai = await startMockOpenAI(
    () => script.shift() ?? { status: 500, body: { error: { message: "unscripted call" } } },
  );
  runtime = await startRuntime({
    vars: {
      ...openaiAssistantVars(openai.baseURL),
      OPENAI_API_KEY: "sk-loopback-test",
      EDGENT_MODEL_MAX_RETRIES: "1",
    },
  });
  api = new Client(runtime.url);
});
afterAll(async () => {
  await runtime?.dispose();
  await openai?.close();
});

describe("the openai provider against a loopback OpenAI-compatible server", () => {
  it("runs a tool call round trip over real HTTP", async () => {
    const sessionId = await api.session();
    const before = openai.requests.length;
    script = [
      {
        toolCalls: [{ id: "call_a", name: "calculator", arguments: '{"expression":"6*7"}' }],
        usage: { prompt_tokens: 120, completion_tokens: 9 },
      },
      { content: "The answer is 42.", usage: { prompt_tokens: 150, completion_tokens: 6 } },
    ];
    const turn = await api.say(sessionId, "what is six times seven?");
    expect(turn.reply.content).toBe("The answer is 42.");
    expect(turn.messages.map((m) => m.role)).toEqual(["user", "assistant", "tool", "assistant"]);
    expect(JSON.parse(turn.messages[2]?.content ?? "{}")).toEqual({ expression: "6*7", value: 42 });
    // usage is what the provider reported, not an estimate
    // an unlisted model is unpriced
    expect(turn.usage).toEqual({ inputTokens: 270, outputTokens: 15, modelCalls: 2, costUsd: 0 });

    const [first, second] = openai.requests.slice(before);
    expect(first?.url).toBe("/v1/chat/completions");
    expect(first?.authorization).toBe("Bearer sk-loopback-test");
    expect(first?.body.model).toBe("test-model");
    expect(first?.body.messages[0]?.role).toBe("system");
    expect(first?.body.messages.at(-1)).toEqual({ role: "user", content: "what is six times seven?" });
    expect(first?.body.tools?.map((t) => t.function.name)).toEqual([
      "current_time",
      "calculator",
      "remember",
      "recall",
    ]);
    const toolMessage = second?.body.messages.at(-1);
    expect(toolMessage).toMatchObject({ role: "tool", tool_call_id: "call_a" });
    expect(JSON.parse(toolMessage?.content ?? "{}")).toEqual({ expression: "6*7", value: 42 });
  });

  it("replays earlier turns, tool calls included, as context for the next turn", async () => {
    const sessionId = await api.session();
    script = [
      { toolCalls: [{ id: "call_r", name: "remember", arguments: '{"key":"city","value":"Lyon"}' }] },
      { content: "Noted." },
      { content: "You live in Lyon." },
    ];
    await api.say(sessionId, "I live in Lyon");
    const before = openai.requests.length;
    await api.say(sessionId, "where do I live?");
    const messages = openai.requests[before]?.body.messages ?? [];
    expect(messages.map((m) => m.role)).toEqual(["system", "user", "assistant", "tool", "assistant", "user"]);
    expect(messages[2]?.tool_calls).toHaveLength(1);
  });

  it("feeds a bad tool call from the model back to it as a tool error", async () => {
    const sessionId = await api.session();
    script = [
      { toolCalls: [{ id: "call_bad", name: "calculator", arguments: '{"expr":"1+1"}' }] },
      { content: "Sorry, let me fix that." },
    ];
    const before = openai.requests.length;
    const turn = await api.say(sessionId, "add one and one");
    expect(turn.messages[2]).toMatchObject({ role: "tool", isError: true });
    const seen = openai.requests[before + 1]?.body.messages.at(-1);
    expect(seen).toMatchObject({ role: "tool", tool_call_id: "call_bad" });
    expect(seen?.content).toContain("Invalid input for tool calculator");
  });

  it("answers 502 when the provider keeps failing, keeping the user message and marking the turn failed", async () => {
    const sessionId = await api.session();
    script = [{ content: "fine" }];
    await api.say(sessionId, "first, which works");
    script = [
      { status: 500, headers: { "retry-after-ms": "5" } },
      { status: 500, headers: { "retry-after-ms": "5" } },
    ];
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "second, which fails" });
    expect(reply.status).toBe(502);
    expect(reply.code).toBe("model_error");
    const { error } = reply.parse(errorBodySchema);
    expect(error.message).toContain("after 2 attempts");
    expect(error.turnId).toEqual(expect.any(String));

    const page = (await api.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema);
    expect(page.messages.at(-1)).toMatchObject({ role: "user", content: "second, which fails", turnId: error.turnId });

    // the failed turn stays in history but leaves the model's context
    script = [{ content: "recovered" }];
    const before = openai.requests.length;
    const next = await api.say(sessionId, "third");
    expect(next.reply.content).toBe("recovered");
    const contents = openai.requests[before]?.body.messages.filter((m) => m.role === "user").map((m) => m.content);
    expect(contents).toEqual(["first, which works", "third"]);
  });

  it("answers 503 when the provider is overloaded or unreachable", async () => {
    const sessionId = await api.session();
    script = [
      { status: 429, headers: { "retry-after-ms": "5" } },
      { status: 429, headers: { "retry-after-ms": "5" } },
    ];
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "busy?" });
    expect(reply.status).toBe(503);
    expect(reply.code).toBe("model_unavailable");
    const page = (await api.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema);
    expect(page.messages).toHaveLength(1);
  });

  it("does not retry a failed turn under the same Idempotency-Key", async () => {
    const sessionId = await api.session();
    script = [{ status: 400, body: { error: { message: "bad request upstream" } } }];
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    const first = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "x" }, headers);
    const again = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "x" }, headers);
    expect(first.status).toBe(502);
    expect(again.status).toBe(502);
    expect(again.json).toEqual(first.json);
    expect((await api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 1 });
  });
});

describe("an unreachable provider", () => {
  it("answers 503 model_unavailable and keeps the message", async () => {
    const dead = await startRuntime({
      vars: {
        EDGENT_DEV_MODE: "true",
        EDGENT_AGENT_MODELS: JSON.stringify({ assistant: "openai:test-model" }),
        // these suites test one tier's failures; escalation has its own suite
        EDGENT_ESCALATION: "off",
        OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
        EDGENT_MODEL_MAX_RETRIES: "0",
      },
    });
    try {
      const client = new Client(dead.url);
      const sessionId = await client.session();
      const reply = await client.post(`/v1/sessions/${sessionId}/messages`, { content: "anyone there?" });
      expect(reply.status).toBe(503);
      expect(reply.code).toBe("model_unavailable");
      expect((await client.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 1 });
    } finally {
      await dead.dispose();
    }
  });
});
