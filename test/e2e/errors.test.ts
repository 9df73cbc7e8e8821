import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { Client } from "../support/client.ts";
import { type Runtime, startRuntime } from "../support/runtime.ts";

let runtime: Runtime;
let api: Client;
let sessionId: string;

beforeAll(async () => {
  runtime = await startRuntime({ vars: { EDGENT_DEV_MODE: "true" } });
  api = new Client(runtime.url);
  sessionId = await api.session();
  await api.say(sessionId, "the only turn");
});
afterAll(() => runtime?.dispose());

/** Asserts the session still holds exactly what the setup stored. */
async function expectUntouched(): Promise<void> {
  const info = await api.get(`/v1/sessions/${sessionId}`);
  expect(info.json).toMatchObject({ messageCount: 2, usage: { modelCalls: 1 } });
}

describe("errors: every failure has the right status and the common shape", () => {
  it("400 for malformed JSON", async () => {
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, '{"content": "hi"');
    expect(reply.status).toBe(400);
    expect(reply.json).toEqual({ error: { code: "bad_request", message: "the body is not valid JSON" } });
    await expectUntouched();
  });

  it.each([
    ["missing content", {}, "content:"],
    ["empty content", { content: "" }, "content:"],
    ["numeric content", { content: 42 }, "content:"],
    ["content over 32,768 chars", { content: "x".repeat(32_769) }, "content:"],
    ["an unpaired surrogate", { content: "a\ud800b" }, "content:"],
    ["an unknown field", { content: "hi", extra: true }, "extra"],
    ["an array", [], "body:"],
    ["a bare string", "just a string", "body:"],
  ])("400 naming the field for %s", async (_label, body, field) => {
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, JSON.stringify(body));
    expect(reply.status).toBe(400);
    expect(reply.code).toBe("validation_failed");
    expect(reply.parse(errorBodySchema).error.message).toContain(field);
    await expectUntouched();
  });

  it("accepts a message of exactly 32,768 characters", async () => {
    const other = await api.session();
    const reply = await api.post(`/v1/sessions/${other}/messages`, { content: "y".repeat(32_768) });
    expect(reply.status).toBe(200);
  });

  it.each([
    ["/v1/sessions", { agent: "" }, "agent:"],
    ["/v1/sessions", { agent: "assistant", sessionId: "has space" }, "sessionId:"],
    ["/v1/sessions", { agent: "assistant", sessionId: "x".repeat(129) }, "sessionId:"],
  ])("400 for a bad session body at %s (#%#)", async (path, body, field) => {
    const reply = await api.post(path, body);
    expect(reply.status).toBe(400);
    expect(reply.parse(errorBodySchema).error.message).toContain(field);
  });

  it.each([
    ["after=-1", "after:"],
    ["limit=0", "limit:"],
    ["limit=1001", "limit:"],
    ["limit=ten", "limit:"],
    ["colour=red", "colour"],
  ])("400 for a bad history query ?%s", async (query, field) => {
    const reply = await api.get(`/v1/sessions/${sessionId}/messages?${query}`);
    expect(reply.status).toBe(400);
    expect(reply.parse(errorBodySchema).error.message).toContain(field);
  });

  it("400 for a session id that cannot exist", async () => {
    const reply = await api.get(`/v1/sessions/${"z".repeat(129)}`);
    expect(reply.status).toBe(400);
    expect(reply.code).toBe("validation_failed");
  });

  it("400 for a malformed Idempotency-Key", async () => {
    const reply = await api.post(
      `/v1/sessions/${sessionId}/messages`,
      { content: "hi" },
      { "idempotency-key": "x".repeat(256) },
    );
    expect(reply.status).toBe(400);
    await expectUntouched();
  });

  it.each([
    ["no header", null],
    ["an unknown token", "not-a-token"],
    ["an empty bearer", ""],
  ])("401 with %s", async (_label, token) => {
    for (const [method, path] of [
      ["GET", "/v1/agents"],
      ["GET", `/v1/sessions/${sessionId}`],
      ["POST", `/v1/sessions/${sessionId}/messages`],
      ["DELETE", `/v1/sessions/${sessionId}`],
    ] as const) {
      const reply = await api.withToken(token).request(method, path, method === "POST" ? { content: "hi" } : undefined);
      expect(reply.status, `${method} ${path}`).toBe(401);
      expect(reply.code).toBe("unauthorized");
    }
    await expectUntouched();
  });

  it("401 for a non-Bearer scheme", async () => {
    const reply = await api
      .withToken(null)
      .request("GET", "/v1/agents", undefined, { authorization: "Basic ZGV2LXRva2VuOg==" });
    expect(reply.status).toBe(401);
  });

  it("404 for unknown sessions and routes", async () => {
    expect((await api.get("/v1/sessions/never-created")).code).toBe("not_found");
    expect((await api.get("/v1/sessions/never-created/messages")).status).toBe(404);
    expect((await api.post("/v1/sessions/never-created/messages", { content: "hi" })).status).toBe(404);
    expect((await api.delete("/v1/sessions/never-created")).status).toBe(404);
    const route = await api.get("/v1/nothing-here");
    expect(route.status).toBe(404);
    expect(route.code).toBe("not_found");
    // a turn to a missing session must not create it
    expect((await api.get("/v1/sessions/never-created")).status).toBe(404);
  });

  it.each([
    ["PUT", "/v1/sessions", "POST"],
    ["GET", "/v1/sessions", "POST"],
    ["POST", "/v1/agents", "GET"],
    ["PATCH", "/v1/sessions/abc", "GET, DELETE"],
    ["DELETE", "/v1/sessions/abc/messages", "GET, POST"],
    ["POST", "/healthz", "GET"],
  ])("405 for %s %s, with an Allow header", async (method, path, allow) => {
    const reply = await api.request(method, path);
    expect(reply.status).toBe(405);
    expect(reply.code).toBe("method_not_allowed");
    expect(reply.headers.get("allow")).toBe(allow);
  });

  it("409 when a session id is taken by another agent", async () => {
    const reply = await api.post("/v1/sessions", { agent: "analyst", sessionId });
    expect(reply.status).toBe(409);
    expect(reply.code).toBe("conflict");
    expect((await api.get(`/v1/sessions/${sessionId}`)).json).toMatchObject({ agent: "assistant" });
    await expectUntouched();
  });

  it("413 for a body over 64 KiB, declared or streamed", async () => {
    const big = JSON.stringify({ content: "x".repeat(70_000) });
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, big);
    expect(reply.status).toBe(413);
    expect(reply.code).toBe("payload_too_large");
    // the same body sent chunked, with no Content-Length to refuse it up front
    const chunk = new TextEncoder().encode(big.slice(0, 10_000));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 8) return controller.close();
        sent++;
        controller.enqueue(chunk);
      },
    });
    // Node's fetch needs `duplex` for a streamed body; the DOM's RequestInit does not know it
    const init: RequestInit & { duplex: "half" } = {
      method: "POST",
      headers: { authorization: "Bearer dev-token", "content-type": "application/json" },
      body,
      duplex: "half",
    };
    const streamed = await fetch(new URL(`/v1/sessions/${sessionId}/messages`, runtime.url), init);
    expect(streamed.status).toBe(413);
    await expectUntouched();
  });

  it("415 for a body that is not JSON", async () => {
    const reply = await api.post(`/v1/sessions/${sessionId}/messages`, "content=hi", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(reply.status).toBe(415);
    expect(reply.code).toBe("unsupported_media_type");
    const none = await api.request("POST", "/v1/sessions", undefined);
    expect(none.status).toBe(415);
    await expectUntouched();
  });

  it("never answers bad input with a 500", async () => {
    const junk = ["", "null", "[]", "{", '{"content":null}', "\u0000", '{"content":"\\ud800"}'];
    for (const body of junk) {
      const reply = await api.post(`/v1/sessions/${sessionId}/messages`, body);
      expect(reply.status, body).toBeGreaterThanOrEqual(400);
      expect(reply.status, body).toBeLessThan(500);
    }
    await expectUntouched();
  });
});
