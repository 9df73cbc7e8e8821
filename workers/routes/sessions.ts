import { type Context, Hono } from "hono";
import type { SessionCaller, SessionRpc } from "../../durable-objects/session-agent";
import { findAgent } from "../../shared/agents/registry";
import { listMessagesQuerySchema, postMessageBodySchema } from "../../shared/contracts/message";
import { createSessionBodySchema, sessionIdSchema } from "../../shared/contracts/session";
import type { PendingTurn } from "../../shared/contracts/task";
import { EdgentError, fromFailure } from "../../shared/errors";
import { readJson, validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The session's Durable Object; the tenant is part of its name, so tenants never share one. */
export function sessionStub(c: Context<RouterEnv>, sessionId: string): SessionRpc {
  return c.env.SESSIONS.getByName(`${c.get("tenant")}:${sessionId}`) as unknown as SessionRpc;
}

/** Validates the :id parameter and records it for the request log. */
export function caller(c: Context<RouterEnv>): SessionCaller {
  const sessionId = validate(sessionIdSchema, c.req.param("id"), "sessionId");
  c.set("sessionId", sessionId);
  return { tenant: c.get("tenant"), sessionId };
}

export function sessionNotFound(sessionId: string): EdgentError {
  return new EdgentError("not_found", `session '${sessionId}' not found`);
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
    const outcome = await sessionStub(c, sessionId).create({
      tenant: c.get("tenant"),
      sessionId,
      agent: body.agent,
      onBusy: body.onBusy,
    });
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
    const info = await sessionStub(c, who.sessionId).info(who);
    if (!info) throw sessionNotFound(who.sessionId);
    return c.json(info);
  })
  .delete("/:id", async (c) => {
    const who = caller(c);
    const erased = await sessionStub(c, who.sessionId).erase(who);
    if (!erased) throw sessionNotFound(who.sessionId);
    return c.body(null, 204);
  })
  .all("/:id", methodNotAllowed(["GET", "DELETE"]))

  .get("/:id/messages", async (c) => {
    const who = caller(c);
    const query = validate(listMessagesQuerySchema, c.req.query(), "query");
    const page = await sessionStub(c, who.sessionId).listMessages(who, query.after, query.limit);
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
      throw refusal(streamed.status, who.sessionId);
    }
    const outcome = await stub.sendMessage(input);
    switch (outcome.status) {
      case "not_found":
      case "idempotency_conflict":
      case "busy":
      case "superseded":
        throw refusal(outcome.status, who.sessionId);
      case "failed":
        if (outcome.failure.turnId) c.set("turnId", outcome.failure.turnId);
        throw fromFailure(outcome.failure);
      case "pending": {
        // the turn goes on (e.g. waiting for sub-agents): its reply arrives in history and live
        c.set("turnId", outcome.turnId);
        const pending: PendingTurn = { turnId: outcome.turnId, status: "pending" };
        return c.json(pending, 202);
      }
      case "completed":
        c.set("turnId", outcome.response.turnId);
        return c.json(outcome.response);
    }
  })
  .all("/:id/messages", methodNotAllowed(["GET", "POST"]));

/** Why a turn was not run at all; nothing was stored. */
function refusal(status: "not_found" | "idempotency_conflict" | "busy" | "superseded", sessionId: string): EdgentError {
  if (status === "not_found") return sessionNotFound(sessionId);
  if (status === "busy") {
    return new EdgentError("conflict", "a turn is running and this message's onBusy policy is reject");
  }
  if (status === "superseded") {
    return new EdgentError("conflict", "superseded by an interrupting message; nothing was stored");
  }
  return new EdgentError("conflict", "Idempotency-Key was already used with a different request body");
}
