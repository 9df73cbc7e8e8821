import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { errorBodySchema } from "../../shared/contracts/error-body";
import { turnResponseSchema } from "../../shared/contracts/message";

const auth = { authorization: "Bearer dev-token", "content-type": "application/json" };

describe("router (inside workerd)", () => {
  it("serves health checks and refuses unauthenticated API calls", async () => {
    expect(await (await exports.default.fetch("http://localhost/healthz")).json()).toEqual({ ok: true });
    const denied = await exports.default.fetch("http://localhost/v1/agents");
    expect(denied.status).toBe(401);
    const refusal = await denied.json();
    expect(refusal).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
    errorBodySchema.parse(refusal);
  });

  it("dispatches a session's requests to its Durable Object", async () => {
    const sessionId = `r-${crypto.randomUUID()}`;
    const created = await exports.default.fetch("http://localhost/v1/sessions", {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ agent: "analyst", sessionId }),
    });
    expect(created.status).toBe(201);
    const turn = await exports.default.fetch(`http://localhost/v1/sessions/${sessionId}/messages`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ content: '/tool calculator {"expression":"2^10"}' }),
    });
    expect(turn.status).toBe(200);
    const body = turnResponseSchema.parse(await turn.json());
    expect(body.reply.content).toContain('"value":1024');
    expect(turn.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });
});
