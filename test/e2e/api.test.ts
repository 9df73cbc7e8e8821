import { describe, expect, it } from "vitest";
import { messagePageSchema, turnResponseSchema } from "../../shared/contracts/message";
import { sessionCreatedSchema } from "../../shared/contracts/session";
import { useRuntime } from "../support/fixture.ts";

const suite = useRuntime();

describe("HTTP API over a real local server", () => {
  it("answers health checks without auth", async () => {
    const reply = await suite.api.withToken(null).get("/healthz");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ ok: true });
  });

  it("lists the agents with their tools and delegates", async () => {
    const reply = await suite.api.get("/v1/agents");
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      agents: [
        {
          name: "assistant",
          description: expect.any(String),
          tools: ["current_time", "calculator", "remember", "recall"],
        },
        { name: "analyst", description: expect.any(String), tools: ["calculator", "remember", "recall"] },
        { name: "extractor", description: expect.any(String), tools: [] },
        {
          name: "triage",
          description: expect.any(String),
          tools: [],
          delegates: ["billing", "knowledge"],
          fallback: "knowledge",
        },
        {
          name: "billing",
          description: expect.any(String),
          tools: ["plan_catalog", "invoice_lookup", "account_contact", "issue_refund", "calculator"],
          delegates: ["knowledge", "triage"],
        },
        { name: "knowledge", description: expect.any(String), tools: ["search_help_center"] },
        {
          name: "hr",
          description: expect.any(String),
          tools: [],
          delegates: ["compliance", "legal", "benefits"],
          delegation: [
            { agent: "compliance", fallback: "hr-generalist", timeoutMs: 60_000 },
            { agent: "legal", timeoutMs: 60_000, compensates: true },
            { agent: "benefits", fallback: "hr-generalist", timeoutMs: 60_000 },
          ],
        },
        { name: "compliance", description: expect.any(String), tools: ["policy_lookup", "reporting_duties"] },
        { name: "legal", description: expect.any(String), tools: ["policy_lookup"] },
        { name: "benefits", description: expect.any(String), tools: ["benefits_lookup"] },
        { name: "hr-generalist", description: expect.any(String), tools: ["policy_lookup", "benefits_lookup"] },
        {
          name: "travel",
          description: expect.any(String),
          tools: ["find_destination", "search_flights", "search_hotels", "book", "my_trips", "ask_user"],
        },
        {
          name: "researcher",
          description: expect.any(String),
          tools: [],
          guardrails: ["fact_check"],
          delegates: ["query-refiner", "retriever", "synthesizer"],
        },
        { name: "query-refiner", description: expect.any(String), tools: ["refine_query"] },
        { name: "retriever", description: expect.any(String), tools: ["search_sources"] },
        { name: "synthesizer", description: expect.any(String), tools: [] },
        { name: "fact-checker", description: expect.any(String), tools: ["check_claims"] },
      ],
    });
  });

  it("creates a session with a chosen id, and is idempotent for the same agent", async () => {
    const sessionId = `chosen-${crypto.randomUUID()}`;
    const created = await suite.api.post("/v1/sessions", { agent: "assistant", sessionId });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({ sessionId, agent: "assistant", createdAt: expect.any(String) });
    const again = await suite.api.post("/v1/sessions", { agent: "assistant", sessionId });
    expect(again.status).toBe(200);
    expect(again.json).toEqual(created.json);
  });

  it("creates a session with a generated id", async () => {
    const created = await suite.api.post("/v1/sessions", { agent: "assistant" });
    expect(created.status).toBe(201);
    const { sessionId } = created.parse(sessionCreatedSchema);
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{1,128}$/);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).status).toBe(200);
  });

  it("refuses an unknown agent with 404", async () => {
    const reply = await suite.api.post("/v1/sessions", { agent: "nobody" });
    expect(reply.status).toBe(404);
    expect(reply.json).toEqual({ error: { code: "not_found", message: "agent 'nobody' not found" } });
  });

  it("runs a plain-text turn and returns every message it appended", async () => {
    const sessionId = await suite.api.session();
    const reply = await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "hello there" });
    expect(reply.status).toBe(200);
    const turn = reply.parse(turnResponseSchema);
    expect(turn.reply.role).toBe("assistant");
    expect(turn.reply.content).toContain("hello there");
    expect(turn.messages.map((m) => [m.seq, m.role])).toEqual([
      [1, "user"],
      [2, "assistant"],
    ]);
    for (const message of turn.messages) {
      expect(message.turnId).toBe(turn.turnId);
      expect(Date.parse(message.createdAt)).not.toBeNaN();
    }
    expect(turn.usage.modelCalls).toBe(1);
    expect(turn.usage.inputTokens).toBeGreaterThan(0);

    expect(turn.usage.costUsd).toBeGreaterThan(0);
    const info = await suite.api.get(`/v1/sessions/${sessionId}`);
    expect(info.json).toEqual({
      sessionId,
      agent: "assistant",
      createdAt: expect.any(String),
      messageCount: 2,
      usage: turn.usage,
      escalations: 0,
    });
  });

  it("calls a tool, stores the call and its result, and replies with the result", async () => {
    const sessionId = await suite.api.session();
    const turn = await suite.api.say(sessionId, '/tool calculator {"expression":"(2 + 3) * 4"}');
    const [user, call, result, answer] = turn.messages;
    expect(turn.messages).toHaveLength(4);
    expect(user?.role).toBe("user");
    expect(call?.toolCalls).toEqual([
      { toolCallId: expect.any(String), toolName: "calculator", input: { expression: "(2 + 3) * 4" } },
    ]);
    expect(result).toMatchObject({
      role: "tool",
      toolName: "calculator",
      toolCallId: call?.toolCalls?.[0]?.toolCallId,
      isError: false,
    });
    expect(JSON.parse(result?.content ?? "")).toEqual({ expression: "(2 + 3) * 4", value: 20 });
    expect(answer?.role).toBe("assistant");
    expect(answer?.content).toContain('{"expression":"(2 + 3) * 4","value":20}');
    expect(turn.usage.modelCalls).toBe(2);
  });

  it("remembers facts in the session's memory and recalls them in a later turn", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, '/tool remember {"key":"favourite colour","value":"teal"}');
    const turn = await suite.api.say(sessionId, '/tool recall {"query":"colour"}');
    expect(turn.reply.content).toContain('"key":"favourite colour","value":"teal"');
    const other = await suite.api.session();
    const empty = await suite.api.say(other, "/tool recall {}");
    expect(empty.reply.content).toContain('{"facts":[]}');
  });

  it("tells the time in a requested time zone", async () => {
    const sessionId = await suite.api.session();
    const turn = await suite.api.say(sessionId, '/tool current_time {"timeZone":"Asia/Tokyo"}');
    const result = JSON.parse(turn.messages[2]?.content ?? "{}") as { iso: string; timeZone: string };
    expect(result.timeZone).toBe("Asia/Tokyo");
    expect(Math.abs(Date.parse(result.iso) - Date.now())).toBeLessThan(60_000);
  });

  it.each([
    ['/tool calculator {"expression":42}', "Invalid input for tool calculator"],
    ["/tool calculator {not json", "Invalid input for tool calculator"],
    ["/tool teleport {}", "unavailable tool 'teleport'"],
    ['/tool calculator {"expression":"1/0"}', "division by zero"],
    ['/tool current_time {"timeZone":"Mars/Olympus"}', "unknown time zone"],
  ])("turns a bad tool call (%s) into a tool error the model sees", async (content, error) => {
    const sessionId = await suite.api.session();
    const turn = await suite.api.say(sessionId, content);
    const result = turn.messages.find((m) => m.role === "tool");
    expect(result?.isError).toBe(true);
    expect(result?.content).toContain(error);
    expect(turn.reply.content).toContain("failed");
    // the session keeps working afterwards
    expect((await suite.api.say(sessionId, "still here?")).reply.content).toContain("still here?");
  });

  it("pages through history with after and limit", async () => {
    const sessionId = await suite.api.session();
    for (let i = 1; i <= 5; i++) await suite.api.say(sessionId, `message ${i}`);
    const first = await suite.api.get(`/v1/sessions/${sessionId}/messages?limit=4`);
    expect(first.status).toBe(200);
    const page = first.parse(messagePageSchema);
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(page.hasMore).toBe(true);
    const rest = (await suite.api.get(`/v1/sessions/${sessionId}/messages?after=4`)).parse(messagePageSchema);
    expect(rest.messages.map((m) => m.seq)).toEqual([5, 6, 7, 8, 9, 10]);
    expect(rest.hasMore).toBe(false);
    const all = (await suite.api.get(`/v1/sessions/${sessionId}/messages`)).parse(messagePageSchema);
    expect(all.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual([
      "message 1",
      "message 2",
      "message 3",
      "message 4",
      "message 5",
    ]);
  });

  it("deletes a session and erases its data", async () => {
    const sessionId = await suite.api.session();
    await suite.api.say(sessionId, '/tool remember {"key":"secret","value":"42"}');
    const deleted = await suite.api.delete(`/v1/sessions/${sessionId}`);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).status).toBe(404);
    expect((await suite.api.get(`/v1/sessions/${sessionId}/messages`)).status).toBe(404);
    expect((await suite.api.post(`/v1/sessions/${sessionId}/messages`, { content: "hi" })).status).toBe(404);
    expect((await suite.api.delete(`/v1/sessions/${sessionId}`)).status).toBe(404);
    // the id can be used again, and starts empty: nothing of the old session survives
    expect((await suite.api.post("/v1/sessions", { agent: "assistant", sessionId })).status).toBe(201);
    expect((await suite.api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({
      messageCount: 0,
      usage: { modelCalls: 0 },
    });
    const recall = await suite.api.say(sessionId, "/tool recall {}");
    expect(recall.reply.content).toContain('{"facts":[]}');
    expect(recall.messages[0]?.seq).toBe(1);
  });
});
