import { type Context, Hono } from "hono";
import { z } from "zod";
import type { SessionApi, SessionCaller, TurnRequest } from "../../durable-objects/rpc";
import { sessionApi } from "../../durable-objects/stubs";
import { findAgent } from "../../shared/agents/registry";
import { awaitingApprovalSchema } from "../../shared/contracts/approval";
import { serverFrameSchema } from "../../shared/contracts/frames";
import {
  listMessagesQuerySchema,
  messagePageSchema,
  postMessageBodySchema,
  turnResponseSchema,
} from "../../shared/contracts/message";
import {
  createSessionBodySchema,
  sessionCreatedSchema,
  sessionIdSchema,
  sessionInfoSchema,
} from "../../shared/contracts/session";
import { type PendingTurn, pendingTurnSchema } from "../../shared/contracts/task";
import { EdgentError, fromFailure, refusalFailure } from "../../shared/errors";
import { retryIfReset } from "../../shared/object-reset";
import { readJson, validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, eventStream, json } from "../openapi/describe";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The Idempotency-Key header, as the routes that run turns document it. */
export const IDEMPOTENCY_HEADER = {
  "idempotency-key": {
    schema: z.string().regex(IDEMPOTENCY_KEY),
    description: "1-255 printable ASCII characters; a retry with the same key and body gets the original's answer",
  },
};

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

/** SHA-256 of a text, in hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The request's Idempotency-Key with a hash of its body, or a 400 for a malformed key. */
export async function readIdempotency(c: Context<RouterEnv>, body: unknown): Promise<TurnRequest["idempotency"]> {
  const key = c.req.header("idempotency-key");
  if (key === undefined) return undefined;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw new EdgentError("validation_failed", "Idempotency-Key: must be 1-255 printable ASCII characters");
  }
  return { key, requestHash: await sha256Hex(JSON.stringify(body)) };
}

const SESSION_ID = { id: sessionIdSchema };

/** The headers of a native event stream. */
export const EVENT_STREAM_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  "x-accel-buffering": "no",
};

/** /v1/sessions routes. */
export const sessionRoutes = new Hono<RouterEnv>()
  .post(
    "/",
    describe({
      operationId: "createSession",
      tag: "sessions",
      summary: "Create a session",
      description:
        "Creates a session of an agent (201), or answers 200 if it exists with that agent; 409 if the id is taken by another agent. The id is generated when omitted.",
      body: createSessionBodySchema,
      responses: {
        201: answer("created", json(sessionCreatedSchema)),
        200: answer("it already exists with this agent", json(sessionCreatedSchema)),
      },
      errors: [400, 404, 409, 413, 415, 503],
    }),
    async (c) => {
      const body = await readJson(c, createSessionBodySchema);
      if (!findAgent(body.agent)) throw new EdgentError("not_found", `agent '${body.agent}' not found`);
      const sessionId = body.sessionId ?? crypto.randomUUID();
      c.set("sessionId", sessionId);
      // an object restarting after an erase takes the create on its next life
      const outcome = await retryIfReset(() =>
        sessionStub(c, sessionId).create({
          tenant: c.get("tenant"),
          sessionId,
          agent: body.agent,
          onBusy: body.onBusy,
        }),
      );
      if (outcome.status === "retry") {
        throw new EdgentError("session_unavailable", `session '${sessionId}' is being erased; retry shortly`);
      }
      if (outcome.status === "conflict") {
        throw new EdgentError("conflict", `session '${sessionId}' already exists with agent '${outcome.agent}'`);
      }
      return c.json(outcome.session, outcome.status === "created" ? 201 : 200);
    },
  )
  .all("/", methodNotAllowed(["POST"]))

  .get(
    "/:id",
    describe({
      operationId: "getSession",
      tag: "sessions",
      summary: "A session's identity and totals",
      params: SESSION_ID,
      responses: { 200: answer("the session", json(sessionInfoSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const info = await retryIfReset(() => sessionStub(c, who.sessionId).info(who));
      if (!info) throw sessionNotFound(who.sessionId);
      return c.json(info);
    },
  )
  .delete(
    "/:id",
    describe({
      operationId: "deleteSession",
      tag: "sessions",
      summary: "Erase a session",
      description:
        "Erases the session at once: a running turn is cancelled, a waiting one too, queued messages answer 404; then the session's data and its sub-agents' are erased and the id answers 404. 503 (retry) when its usage or turn metrics could not be handed to the tenant yet.",
      params: SESSION_ID,
      responses: { 204: answer("erased") },
      errors: [400, 404, 503],
    }),
    async (c) => {
      const who = caller(c);
      const erased = await sessionStub(c, who.sessionId).erase(who);
      if (erased.status === "not_found") throw sessionNotFound(who.sessionId);
      if (erased.status === "retry") {
        const message = `session '${who.sessionId}' could not hand its usage and turn metrics to the tenant yet; retry`;
        throw new EdgentError("session_unavailable", message, { retryAfterMs: 1_000 });
      }
      return c.body(null, 204);
    },
  )
  .all("/:id", methodNotAllowed(["GET", "DELETE"]))

  .get(
    "/:id/messages",
    describe({
      operationId: "listMessages",
      tag: "messages",
      summary: "A page of a session's history",
      description: "Stored messages with `seq > after`, in seq order; `hasMore` says whether more follow.",
      params: SESSION_ID,
      query: listMessagesQuerySchema,
      responses: { 200: answer("a page of history", json(messagePageSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const query = validate(listMessagesQuerySchema, c.req.query(), "query");
      const page = await retryIfReset(() => sessionStub(c, who.sessionId).listMessages(who, query.after, query.limit));
      if (!page) throw sessionNotFound(who.sessionId);
      return c.json(page);
    },
  )
  .post(
    "/:id/messages",
    describe({
      operationId: "sendMessage",
      tag: "messages",
      summary: "Run a turn",
      description:
        "Runs a turn on the message. With `Accept: text/event-stream` the turn streams as server-sent events (`message`, `turn`, `delta`, `event`, then `done` or `error`), each event's data a frame and its id `<turnId>:<n>`; the `Edgent-Turn-Id` header names the turn, so a dropped stream can be rejoined with `GET /v1/sessions/:id/turns/:turnId/stream` and `Last-Event-ID`. A turn still running after EDGENT_TURN_WAIT_MS answers 202 and goes on.",
      params: SESSION_ID,
      headers: {
        ...IDEMPOTENCY_HEADER,
        accept: { schema: z.string(), description: "`text/event-stream` to stream the turn" },
      },
      body: postMessageBodySchema,
      responses: {
        200: answer(
          "the finished turn, or its event stream",
          { ...json(turnResponseSchema), ...eventStream(serverFrameSchema) },
          { "edgent-turn-id": { schema: z.string(), description: "the streamed turn's id (event streams only)" } },
        ),
        202: answer(
          "the turn goes on (waiting for sub-agents), or waits for a person to approve a tool call",
          json(pendingTurnSchema.or(awaitingApprovalSchema)),
        ),
      },
      errors: [400, 404, 409, 413, 415, 422, 429, 502, 503],
    }),
    async (c) => {
      const who = caller(c);
      const body = await readJson(c, postMessageBodySchema);
      const idempotency = await readIdempotency(c, body);
      const traceparent = c.get("trace")?.traceparent;
      const input = { ...who, content: body.content, onBusy: body.onBusy, idempotency, traceparent };
      const stub = sessionStub(c, who.sessionId);
      if (/\btext\/event-stream\b/.test(c.req.header("accept") ?? "")) {
        const streamed = await stub.streamMessage(input);
        if (streamed.status === "streaming") {
          // the turn's id, to rejoin the stream should it drop before its first event
          const turn: Record<string, string> = streamed.turnId ? { "edgent-turn-id": streamed.turnId } : {};
          return new Response(streamed.stream, { headers: { ...EVENT_STREAM_HEADERS, ...turn } });
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
    },
  )
  .all("/:id/messages", methodNotAllowed(["GET", "POST"]));
