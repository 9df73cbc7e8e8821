import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { messagePageSchema } from "../../shared/contracts/message";
import { Client, type Reply } from "../support/client.ts";
import { type MockOpenAI, type MockReply, openaiAssistantVars, startMockOpenAI } from "../support/openai-mock.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";

describe("with the builtin model", () => {
  let runtime: Runtime;
  let api: Client;

  beforeAll(async () => {
    runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true" } });
    api = new Client(runtime.url);
  });
  afterAll(() => runtime?.dispose());

  it("never answers 500 to requests racing a session's deletion, and ends consistent", async () => {
    for (let round = 0; round < 5; round++) {
      const sessionId = await api.session();
      await api.say(sessionId, "before");
      const replies: Reply[] = await Promise.all([
        api.post(`/v1/sessions/${sessionId}/messages`, { content: "racing 1" }),
        api.delete(`/v1/sessions/${sessionId}`),
        api.post(`/v1/sessions/${sessionId}/messages`, { content: "racing 2" }),
        api.get(`/v1/sessions/${sessionId}`),
        api.get(`/v1/sessions/${sessionId}/messages`),
      ]);
      for (const reply of replies) expect([200, 204, 404, 503], reply.text).toContain(reply.status);
      expect(replies[1]?.status).toBe(204);
      const recreate = await api.post("/v1/sessions", { agent: "assistant", sessionId });
      expect([201, 503]).toContain(recreate.status);
      if (recreate.status === 201) {
        expect((await api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ messageCount: 0 });
      }
    }
  });

  it("gives the model the current message whole, however long, and echoes it verbatim", async () => {
    const sessionId = await api.session();
    const long = `  ${"lorem ipsum ".repeat(2_000)}  `;
    const turn = await api.say(sessionId, long);
    expect(turn.reply.content).toBe(long);
    expect((await api.say(sessionId, "  spaced  ")).reply.content).toBe("  spaced  ");
  });

  it("accepts the dev tokens only on a loopback host, even in dev mode", async () => {
    const headers = { authorization: "Bearer dev-token" };
    expect((await runtime.mf.dispatchFetch("http://localhost/v1/agents", { headers })).status).toBe(200);
    expect((await runtime.mf.dispatchFetch("http://127.0.0.1/v1/agents", { headers })).status).toBe(200);
    expect((await runtime.mf.dispatchFetch("https://edgent.example.com/v1/agents", { headers })).status).toBe(401);
  });
});

describe("with a misbehaving OpenAI-compatible provider", () => {
  let openai: MockOpenAI;
  let runtime: Runtime;
  let api: Client;
  let respond: (body: { messages: Array<{ role: string; content: string | null }> }) => MockReply = () => ({
    content: "ok",
  });

  beforeAll(async () => {
    openai = await startMockOpenAI((body) => respond(body));
    runtime = await startRuntime({
      vars: {
        ...openaiAssistantVars(openai.baseURL),
        EDGENT_MODEL_MAX_RETRIES: "0",
        EDGENT_MODEL_TIMEOUT_MS: "1000",
      },
    });
    api = new Client(runtime.url);
  });
  afterAll(async () => {
    await runtime?.dispose();
    await openai?.close();
  });

  it("fails a turn whose model call hangs with 503 after the timeout, keeping the message", async () => {
    const sessionId = await api.session();
    respond = () => ({ content: "too late", delayMs: 3_000 });
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, { content: "hello?" });
    expect(reply.status).toBe(503);
    expect(reply.code).toBe("model_unavailable");
    expect(reply.parse(errorBodySchema).error.message).toContain("did not answer in time");
    respond = () => ({ content: "back" });
    expect((await api.say(sessionId, "and now?")).reply.content).toBe("back");
    const page = (await api.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema);
    expect(page.messages.map((m) => m.content)).toEqual(["hello?", "and now?", "back"]);
  });

  it("keeps every recent message that fits when compaction fails", async () => {
    const sessionId = await api.session();
    const isCompaction = (body: { messages: Array<{ role: string; content: string | null }> }) =>
      body.messages[0]?.content?.includes("running summary") ?? false;
    respond = (body) => (isCompaction(body) ? { status: 400 } : { content: "ok" });
    const sent: string[] = [];
    for (let i = 0; i < 16; i++) {
      const content = `message ${i} ${"x".repeat(1_600)}`;
      sent.push(content);
      await api.say(sessionId, content);
    }
    const compactionAttempts = openai.requests.filter((r) => isCompaction(r.body)).length;
    expect(compactionAttempts).toBeGreaterThan(0);
    const last = openai.requests.filter((r) => !isCompaction(r.body)).at(-1);
    const seen = (last?.body.messages ?? []).filter((m) => m.role === "user").map((m) => m.content);
    // a contiguous run of the newest messages, using the whole window rather than half of it
    expect(seen).toEqual(sent.slice(-seen.length));
    expect(seen.length).toBeGreaterThanOrEqual(8);
    expect(seen.length).toBeLessThan(sent.length);
  });
});
