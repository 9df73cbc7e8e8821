import { Hono } from "hono";
import { z } from "zod";
import { sessionIdSchema } from "../../shared/contracts/session";
import { UI_MESSAGE_STREAM_HEADERS, uiChatRequestSchema, uiChunkSchema } from "../../shared/contracts/ui-chat";
import { EdgentError } from "../../shared/errors";
import { planUiTurn } from "../../shared/protocols/ui-chat-request";
import { MAX_TRANSCRIPT_BODY_BYTES, readJson } from "../body";
import { chatFailure } from "../chat-outcomes";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, eventStream } from "../openapi/describe";
import { caller, IDEMPOTENCY_HEADER, readIdempotency, sessionNotFound, sessionStub } from "./sessions";

/**
 * /v1/sessions/:id/chat: a session's turns as the AI SDK's UI message stream, for `useChat`
 * with DefaultChatTransport (`api: "/v1/sessions/<id>/chat"`), resumable with `resume: true`.
 */
export const chatRoutes = new Hono<RouterEnv>()
  .post(
    "/:id/chat",
    describe({
      operationId: "chat",
      tag: "chat",
      summary: "Run a turn as a UI message stream (useChat)",
      description:
        "Accepts what the AI SDK's DefaultChatTransport posts and runs a turn on the last (user) message; earlier messages are ignored, the session keeps its own history. Answers with the UI message stream (`x-vercel-ai-ui-message-stream: v1`): `start` (the turn id as message id), `start-step`/`finish-step`, `text-start`/`text-delta`/`text-end`, `tool-input-available`/`tool-output-available` for server-run tools, `data-<event>` parts (e.g. `data-escalated`), `finish` with the turn's metadata, or `error`; then `data: [DONE]`.",
      params: { id: sessionIdSchema },
      headers: IDEMPOTENCY_HEADER,
      body: uiChatRequestSchema,
      responses: { 200: answer("the turn's UI message stream", eventStream(uiChunkSchema)) },
      errors: [400, 404, 409, 413, 415, 503],
    }),
    async (c) => {
      const who = caller(c);
      const body = await readJson(c, uiChatRequestSchema, MAX_TRANSCRIPT_BODY_BYTES);
      const plan = planUiTurn(body);
      if (!plan.ok) throw new EdgentError(plan.code, plan.message);
      const idempotency = await readIdempotency(c, body);
      const traceparent = c.get("trace")?.traceparent;
      const input = { ...who, content: plan.content, traceparent, ...(idempotency ? { idempotency } : {}) };
      const outcome = await sessionStub(c, who.sessionId).streamChatTurn(input, { kind: "ui" });
      if (outcome.status !== "streaming") throw chatFailure(outcome, who.sessionId);
      return new Response(outcome.stream, { headers: UI_MESSAGE_STREAM_HEADERS });
    },
  )
  .all("/:id/chat", methodNotAllowed(["POST"]))

  .get(
    "/:id/chat/:chatId/stream",
    describe({
      operationId: "resumeChat",
      tag: "chat",
      summary: "Rejoin the running turn's UI message stream",
      description:
        "What `useChat({ resume: true })` calls (DefaultChatTransport's reconnect): the stream of the session's running chat turn from its start, then live; 204 when none runs. `chatId` is the client's chat id and is not used.",
      params: { id: sessionIdSchema, chatId: z.string() },
      responses: {
        200: answer("the running turn's UI message stream", eventStream(uiChunkSchema)),
        204: answer("no chat turn is running"),
      },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const rejoined = await sessionStub(c, who.sessionId).rejoinChat(who);
      if (rejoined.status === "not_found") throw sessionNotFound(who.sessionId);
      if (rejoined.status === "idle") return c.body(null, 204);
      return new Response(rejoined.stream, { headers: UI_MESSAGE_STREAM_HEADERS });
    },
  )
  .all("/:id/chat/:chatId/stream", methodNotAllowed(["GET"]));
