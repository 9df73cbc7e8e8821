import { type Context, Hono } from "hono";
import type { SessionApi, SessionCaller } from "../../durable-objects/rpc";
import { sessionApi } from "../../durable-objects/stubs";
import { findAgent } from "../../shared/agents/registry";
import { listMessagesQuerySchema, postMessageBodySchema } from "../../shared/contracts/message";
import { createSessionBodySchema, sessionIdSchema } from "../../shared/contracts/session";
import type { PendingTurn } from "../../shared/contracts/task";
import { EdgentError, fromFailure, refusalFailure } from "../../shared/errors";
import { retryIfReset } from "../../shared/object-reset";
import { readJson, validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The session's Durable Object, as the router may call it. */
export function sessionStub(c: Context<RouterEnv>, sessionId: string): SessionApi {
  return sessionApi(c.env, c.get("tenant"), sessionId);
}

/** Validates the :id parameter and records it for the request log. */
export function caller(c: Context<RouterEnv>): SessionCaller {
  const sessionId = validate(sessionIdSchema, c.req.param("id"), "sessionId");
  c.set("sessionId", sessionId);
  return { tenant: c.get("tenant"), sessionId };
}

export function sessionNotFound(sessionId: string): EdgentError {
  return fromFailure(refusalFailure("not_found", sessionId));
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** /v1/sessions routes. */
export const sessionRoutes = new Hono<RouterEnv>()
  .post("/", async (c) => {
    const body = await readJson(c, createSessionBodySchema);
    if (!findAgent(body.agent)) throw new EdgentError("not_found", `agent '${body.agent}' not found`);
    const sessionId = body.sessionId ?? crypto.randomUUID();
    c.set("sessionId", sessionId);
    // an object restarting after an erase takes the create on its next life
    const outcome = await retryIfReset(() =>
      sessionStub(c, sessionId).create({ tenant: c.get("tenant"), sessionId, agent: body.agent, onBusy: body.onBusy }),
    );
    if (outcome.status === "retry") {
      throw new EdgentError("session_unavailable", `session '${sessionId}' is being erased; retry shortly`);
    }
    if (outcome.status === "conflict") {
      throw new EdgentError("conflict", `session '${sessionId}' already exists with agent '${outcome.agent}'`);
    }
    return c.json(outcome.session, outcome.status === "created" ? 201 : 200);
  })
  .all("/", methodNotAllowed(["POST"]))

  .get("/:id", async (c) => {
    const who = caller(c);
    const info = await retryIfReset(() => sessionStub(c, who.sessionId).info(who));
    if (!info) throw sessionNotFound(who.sessionId);
    return c.json(info);
  })
  .delete("/:id", async (c) => {
    const who = caller(c);
    const erased = await sessionStub(c, who.sessionId).erase(who);
    if (erased.status === "not_found") throw sessionNotFound(who.sessionId);
    if (erased.status === "retry") {
      const message = `session '${who.sessionId}' could not hand its usage to the tenant's totals yet; retry`;
      throw new EdgentError("session_unavailable", message, { retryAfterMs: 1_000 });
    }
    return c.body(null, 204);
  })
  .all("/:id", methodNotAllowed(["GET", "DELETE"]))

  .get("/:id/messages", async (c) => {
    const who = caller(c);
    const query = validate(listMessagesQuerySchema, c.req.query(), "query");
    const page = await retryIfReset(() => sessionStub(c, who.sessionId).listMessages(who, query.after, query.limit));
    if (!page) throw sessionNotFound(who.sessionId);
    return c.json(page);
  })
  .post("/:id/messages", async (c) => {
    const who = caller(c);
    const body = await readJson(c, postMessageBodySchema);
    const key = c.req.header("idempotency-key");
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new EdgentError("validation_failed", "Idempotency-Key: must be 1-255 printable ASCII characters");
    }
    const idempotency = key === undefined ? undefined : { key, requestHash: await sha256Hex(JSON.stringify(body)) };
    const input = { ...who, content: body.content, onBusy: body.onBusy, idempotency };
    const stub = sessionStub(c, who.sessionId);
    if (/\btext\/event-stream\b/.test(c.req.header("accept") ?? "")) {
      const streamed = await stub.streamMessage(input);
      if (streamed.status === "streaming") {
        return new Response(streamed.stream, {
          headers: {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            "x-accel-buffering": "no",
          },
        });
      }
      throw fromFailure(refusalFailure(streamed.status, who.sessionId));
    }
    const outcome = await stub.sendMessage(input);
    switch (outcome.status) {
      case "failed":
        if (outcome.failure.turnId) c.set("turnId", outcome.failure.turnId);
        throw fromFailure(outcome.failure);
      case "waiting": {
        // the turn goes on (e.g. waiting for sub-agents): its reply arrives in history and live
        c.set("turnId", outcome.turnId);
        const pending: PendingTurn = { turnId: outcome.turnId, status: "pending" };
        return c.json(pending, 202);
      }
      case "awaiting_approval":
        // a tool call waits for a person: decide it with POST .../approvals/:approvalId
        c.set("turnId", outcome.turnId);
        return c.json({ turnId: outcome.turnId, status: "awaiting_approval", approvals: outcome.approvals }, 202);
      case "completed":
        c.set("turnId", outcome.response.turnId);
        return c.json(outcome.response);
      default:
        throw fromFailure(refusalFailure(outcome.status, who.sessionId));
    }
  })
  .all("/:id/messages", methodNotAllowed(["GET", "POST"]));
