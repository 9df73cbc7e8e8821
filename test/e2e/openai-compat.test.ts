import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { type ChatCompletion as EdgentCompletion, chatCompletionSchema } from "../../shared/contracts/openai";
import { taskListSchema } from "../../shared/contracts/task.ts";
import { useRuntime } from "../support/fixture.ts";
import { waitUntil } from "../support/wait-until.ts";

const suite = useRuntime();
// escalation off and no retries: a failing model fails the turn
const strict = useRuntime({ EDGENT_ESCALATION: "off", EDGENT_MODEL_MAX_RETRIES: "0" });

/** The official client, unmodified, pointed at the runtime; no retries, so a test sees every answer. */
function openai(base: URL, apiKey = "dev-token"): OpenAI {
  return new OpenAI({ baseURL: new URL("/v1", base).href, apiKey, maxRetries: 0 });
}

/** What Edgent adds to a completion (the client passes unknown fields through), read with the contract. */
function edgentOf(completion: OpenAI.ChatCompletion): EdgentCompletion["edgent"] {
  return chatCompletionSchema.parse(completion).edgent;
}

/** The error a call failed with. */
async function failure(call: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof OpenAI.APIError) return error;
    throw error;
  }
  throw new Error("the call succeeded");
}

/** A session's object, as the test asks it directly over RPC. */
interface SessionProbe {
  info(caller: { tenant: string; sessionId: string }): Promise<unknown>;
}

/** Whether a session's object still holds it (asked through the object's own RPC). */
async function sessionExists(sessionId: string): Promise<boolean> {
  const namespace = (await suite.runtime.mf.getDurableObjectNamespace("SESSIONS")) as unknown as {
    getByName(name: string): SessionProbe;
  };
  return (await namespace.getByName(`dev:${sessionId}`).info({ tenant: "dev", sessionId })) !== null;
}

const turnLines = (sessionId: string) =>
  suite.runtime.logs.filter((line) => line.includes('"event":"turn"') && line.includes(`"sessionId":"${sessionId}"`));

describe("the OpenAI-compatible API with the official openai client", () => {
  it("lists the tenant's agents as models and retrieves one", async () => {
    const client = openai(suite.runtime.url);
    const models = [];
    for await (const model of client.models.list()) models.push(model);
    expect(models.map((m) => m.id)).toEqual(expect.arrayContaining(["assistant", "analyst", "triage", "billing"]));
    expect(models[0]).toMatchObject({ object: "model", owned_by: "edgent" });
    expect(await client.models.retrieve("analyst")).toMatchObject({ id: "analyst", object: "model" });
    const missing = await failure(client.models.retrieve("nobody"));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing.code).toBe("model_not_found");
  });

  it("answers a completion with the reply, usage and finish_reason", async () => {
    const completion = await openai(suite.runtime.url).chat.completions.create({
      model: "assistant",
      messages: [{ role: "user", content: "hello there" }],
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("assistant");
    expect(completion.id).toBe(`chatcmpl-${edgentOf(completion).turnId}`);
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]?.message.role).toBe("assistant");
    expect(completion.choices[0]?.message.content).toContain("hello there");
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    const usage = completion.usage;
    expect(usage?.prompt_tokens).toBeGreaterThan(0);
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect(usage?.total_tokens).toBe((usage?.prompt_tokens ?? 0) + (usage?.completion_tokens ?? 0));
  });

  it("streams chunks, the usage chunk when asked for, and ends with [DONE]", async () => {
    const client = openai(suite.runtime.url);
    const stream = await client.chat.completions.create({
      model: "assistant",
      messages: [{ role: "user", content: "/slow 20 alpha beta gamma delta" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("alpha beta gamma delta");
    // one delta a word, not one piece at the end
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThanOrEqual(4);
    const finished = chunks.filter((c) => c.choices[0]?.finish_reason);
    expect(finished.map((c) => c.choices[0]?.finish_reason)).toEqual(["stop"]);
    const last = chunks.at(-1);
    expect(last?.choices).toEqual([]);
    expect(last?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);

    // the helper that accumulates a stream into a completion works too
    const final = await client.chat.completions
      .stream({ model: "assistant", messages: [{ role: "user", content: "/slow 5 one two" }] })
      .finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("one two");

    // on the wire: SSE data lines, the last one [DONE]
    const raw = await fetch(new URL("/v1/chat/completions", suite.runtime.url), {
      method: "POST",
      headers: { authorization: "Bearer dev-token", "content-type": "application/json" },
      body: JSON.stringify({ model: "assistant", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    expect(raw.headers.get("content-type")).toContain("text/event-stream");
    const lines = (await raw.text()).trim().split("\n\n");
    expect(lines.at(-1)).toBe("data: [DONE]");
    expect(lines.slice(0, -1).every((line) => line.startsWith("data: {"))).toBe(true);
  });

  it("seeds a short-lived session with the transcript, runs one turn, and erases it", async () => {
    const completion = await openai(suite.runtime.url).chat.completions.create({
      model: "assistant",
      messages: [
        { role: "user", content: "my name is Ada" },
        { role: "assistant", content: "Nice to meet you, Ada." },
        { role: "user", content: [{ type: "text", text: "/history" }] },
      ],
    });
    // the model saw the transcript's user message as history, and the new one
    expect(JSON.parse(completion.choices[0]?.message.content ?? "")).toEqual(["my name is Ada", "/history"]);
    const { sessionId } = edgentOf(completion);
    expect(sessionId).toMatch(/^chat:/);
    // one turn ran: none for the transcript
    expect(turnLines(sessionId ?? "")).toHaveLength(1);
    const exists = await waitUntil(
      () => sessionExists(sessionId ?? ""),
      (found) => !found,
      { what: "the short-lived session to be erased", timeoutMs: 5_000, intervalMs: 50 },
    );
    expect(exists).toBe(false);
  });

  it("runs a turn of the session X-Session-Id names, on the trailing user messages, with its history", async () => {
    const client = openai(suite.runtime.url);
    const sessionId = `oa-${crypto.randomUUID()}`;
    const options = { headers: { "X-Session-Id": sessionId } };
    const first = await client.chat.completions
      .create({ model: "analyst", messages: [{ role: "user", content: "the budget is 120" }] }, options)
      .withResponse();
    expect(first.response.headers.get("x-session-id")).toBe(sessionId);
    expect(edgentOf(first.data).sessionId).toBe(sessionId);
    // the client resends the whole conversation; only the new trailing user messages run, as one turn
    const earlier = [
      { role: "user" as const, content: "the budget is 120" },
      { role: "assistant" as const, content: first.data.choices[0]?.message.content ?? "" },
    ];
    const second = await client.chat.completions.create(
      {
        model: "analyst",
        messages: [
          ...earlier,
          { role: "user", content: "the team is 4" },
          { role: "user", content: "the deadline is May" },
        ],
      },
      options,
    );
    const third = await client.chat.completions.create(
      {
        model: "analyst",
        messages: [
          ...earlier,
          { role: "user", content: "ignored: the session keeps its own history" },
          { role: "assistant", content: second.choices[0]?.message.content ?? "" },
          { role: "user", content: "/history" },
        ],
      },
      options,
    );
    expect(JSON.parse(third.choices[0]?.message.content ?? "")).toEqual([
      "the budget is 120",
      "the team is 4\n\nthe deadline is May",
      "/history",
    ]);
    const info = await suite.api.get(`/v1/sessions/${sessionId}`);
    expect(info.json).toMatchObject({ sessionId, agent: "analyst", messageCount: 6 });
    expect(await sessionExists(sessionId)).toBe(true);
    // the session belongs to its agent
    const other = await failure(
      client.chat.completions.create({ model: "assistant", messages: [{ role: "user", content: "hi" }] }, options),
    );
    expect(other).toBeInstanceOf(OpenAI.ConflictError);
    expect(other.param).toBe("model");
  });

  it("runs tools, escalation and delegation in a named session", async () => {
    const client = openai(suite.runtime.url);
    const ask = (model: string, sessionId: string, content: string) =>
      client.chat.completions.create(
        { model, messages: [{ role: "user", content }] },
        { headers: { "X-Session-Id": sessionId } },
      );
    const tool = await ask("assistant", `oa-t-${crypto.randomUUID()}`, '/tool calculator {"expression":"6*7"}');
    expect(tool.choices[0]?.message.content).toContain('"value":42');
    const escalated = await ask("assistant", `oa-e-${crypto.randomUUID()}`, "/escalate needs the big model");
    expect(escalated.choices[0]?.message.content).toMatch(/^\[central\] /);
    expect(edgentOf(escalated).answeredBy.tier).toBe("central");
    const triage = `oa-d-${crypto.randomUUID()}`;
    const delegated = await ask("triage", triage, "/delegate billing What does the Pro plan cost?");
    expect(delegated.choices[0]?.message.content).toContain("Tool delegate returned");
    const tasks = await suite.api.get(`/v1/sessions/${triage}/tasks`);
    expect(tasks.parse(taskListSchema).tasks).toEqual([
      expect.objectContaining({ agent: "billing", status: "completed" }),
    ]);
  });

  it("replays a retry with the same Idempotency-Key and refuses the key with another body", async () => {
    const client = openai(suite.runtime.url);
    for (const named of [true, false]) {
      const key = `k-${crypto.randomUUID()}`;
      const headers = { "Idempotency-Key": key, ...(named ? { "X-Session-Id": `oa-i-${crypto.randomUUID()}` } : {}) };
      const body = { model: "assistant", messages: [{ role: "user" as const, content: "count me once" }] };
      const first = await client.chat.completions.create(body, { headers });
      const again = await client.chat.completions.create(body, { headers });
      expect(again.id).toBe(first.id);
      expect(again.choices[0]?.message.content).toBe(first.choices[0]?.message.content);
      const sessionId = edgentOf(first).sessionId ?? headers["X-Session-Id"] ?? "";
      expect(turnLines(sessionId)).toHaveLength(1);
      const changed = await failure(
        client.chat.completions
          .create({ ...body, messages: [{ role: "user", content: "another" }] }, { headers })
          .withResponse(),
      );
      expect(changed).toBeInstanceOf(OpenAI.ConflictError);
      expect(changed.headers?.get("x-should-retry")).toBe("false");
    }
  });

  it("refuses what it does not support with a 400 in OpenAI's envelope", async () => {
    const client = openai(suite.runtime.url);
    const user = { role: "user" as const, content: "hi" };
    const cases: Array<[Partial<OpenAI.ChatCompletionCreateParamsNonStreaming>, string]> = [
      [{ tools: [{ type: "function", function: { name: "f", parameters: {} } }] }, "tools"],
      [{ n: 2 }, "n"],
      [{ logprobs: true }, "logprobs"],
      [{ response_format: { type: "json_object" } }, "response_format"],
      [{ messages: [{ role: "system", content: "be terse" }, user] }, "messages.0.role"],
      [
        { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }] },
        "messages.0.content",
      ],
      [{ messages: [{ role: "assistant", content: "hi" }] }, "messages"],
    ];
    for (const [change, param] of cases) {
      const error = await failure(client.chat.completions.create({ model: "assistant", messages: [user], ...change }));
      expect(error, param).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param, param).toBe(param);
      expect(error.type).toBe("invalid_request_error");
      expect(error.message.length).toBeGreaterThan(10);
    }
    const unknown = await failure(client.chat.completions.create({ model: "nobody", messages: [user] }));
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    expect(unknown.code).toBe("model_not_found");
  });

  it("answers auth errors in OpenAI's envelope, while the native API keeps its own", async () => {
    const denied = await failure(openai(suite.runtime.url, "wrong").models.list());
    expect(denied).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(denied.error).toEqual({
      message: expect.any(String),
      type: "authentication_error",
      code: "unauthorized",
      param: null,
    });
    const native = await suite.api.withToken("wrong").get("/v1/agents");
    expect(native.status).toBe(401);
    expect(native.json).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    // another tenant cannot name this tenant's session
    const sessionId = `oa-x-${crypto.randomUUID()}`;
    await openai(suite.runtime.url).chat.completions.create(
      { model: "assistant", messages: [{ role: "user", content: "mine" }] },
      { headers: { "X-Session-Id": sessionId } },
    );
    const stranger = await openai(suite.runtime.url, "dev-token-2").chat.completions.create(
      { model: "assistant", messages: [{ role: "user", content: "/history" }] },
      { headers: { "X-Session-Id": sessionId } },
    );
    // the same name under another tenant is another session: it has no history of the first
    expect(JSON.parse(stranger.choices[0]?.message.content ?? "")).toEqual(["/history"]);
  });

  it("reports a failed turn as an error status, or in-band in a stream", async () => {
    const client = openai(strict.runtime.url);
    const request = { model: "assistant", messages: [{ role: "user" as const, content: "/fail 5 never" }] };
    const failed = await failure(client.chat.completions.create(request));
    expect(failed).toBeInstanceOf(OpenAI.InternalServerError);
    expect(failed.status).toBe(503);
    expect(failed.code).toBe("model_unavailable");
    const stream = await client.chat.completions.create({ ...request, stream: true });
    const inBand = await failure(
      (async () => {
        for await (const _chunk of stream) {
          // read until the error event
        }
      })(),
    );
    expect(inBand.code).toBe("model_unavailable");
    expect(inBand.type).toBe("server_error");
  });
});
