import { Hono } from "hono";
import { z } from "zod";
import { serverFrameSchema } from "../../shared/contracts/frames";
import { type TurnCancelled, turnCancelledSchema } from "../../shared/contracts/message";
import { sessionIdSchema } from "../../shared/contracts/session";
import { listTurnsQuerySchema, turnIdSchema, turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { EdgentError } from "../../shared/errors";
import { rejoinPoint } from "../../shared/protocols/event-id";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, eventStream, json } from "../openapi/describe";
import { caller, EVENT_STREAM_HEADERS, sessionNotFound, sessionStub } from "./sessions";

// a turn id to rejoin: any id the session might hold a stream for; one it does not know is a 404, as for cancel
const rejoinedTurnIdSchema = z.string().min(1).max(64);

/** /v1/sessions/:id/turns: a session's turns, their traces, and cancelling a running one. */
export const turnRoutes = new Hono<RouterEnv>()
  .get(
    "/:id/turns",
    describe({
      operationId: "listTurns",
      tag: "turns",
      summary: "List a session's turns",
      description:
        "Newest first: each turn's status, start and end, models called (tier, calls), tokens, cost, escalation, error and trace id. Pass `nextBefore` as `before` for the next, older page.",
      params: { id: sessionIdSchema },
      query: listTurnsQuerySchema,
      responses: { 200: answer("a page of turns", json(turnsPageSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const query = validate(listTurnsQuerySchema, c.req.query(), "query");
      const page = await sessionStub(c, who.sessionId).listTurns(who, query.limit, query.before);
      if (!page) throw sessionNotFound(who.sessionId);
      if (page === "no_turn") {
        throw new EdgentError("validation_failed", `before: no turn '${query.before}' in this session`);
      }
      return c.json(page);
    },
  )
  .all("/:id/turns", methodNotAllowed(["GET"]))

  .get(
    "/:id/turns/:turnId/trace",
    describe({
      operationId: "getTurnTrace",
      tag: "turns",
      summary: "A turn's trace",
      description:
        "The turn's span tree, depth first, its sub-agents' spans included (read from their objects; any that did not answer are listed in `missing`): draw each span as a bar from `offsetMs` for `durationMs`. 404 when the turn's spans are no longer retained or tracing was off.",
      params: { id: sessionIdSchema, turnId: turnIdSchema },
      responses: { 200: answer("the turn's spans", json(turnTraceSchema)) },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const turnId = validate(turnIdSchema, c.req.param("turnId"), "turnId");
      c.set("turnId", turnId);
      const trace = await sessionStub(c, who.sessionId).turnTrace(who, turnId);
      if (!trace) throw sessionNotFound(who.sessionId);
      if (trace === "no_turn") throw new EdgentError("not_found", `turn '${turnId}' not found`);
      if (trace === "no_trace") {
        throw new EdgentError("not_found", `turn '${turnId}' has no retained trace (pruned, or tracing was off)`);
      }
      return c.json(trace);
    },
  )
  .all("/:id/turns/:turnId/trace", methodNotAllowed(["GET"]))

  .post(
    "/:id/turns/:turnId/cancel",
    describe({
      operationId: "cancelTurn",
      tag: "turns",
      summary: "Cancel a running turn",
      description:
        "Stops a running turn (or one waiting for sub-agents); what it produced is stored, marked cancelled. 409 if the turn is not running.",
      responses: { 200: answer("the turn was cancelled", json(turnCancelledSchema)) },
      errors: [400, 404, 409],
    }),
    async (c) => {
      const who = caller(c);
      const turnId = c.req.param("turnId");
      c.set("turnId", turnId);
      const outcome = await sessionStub(c, who.sessionId).cancelTurn(who, turnId);
      if (outcome.status === "not_found") throw new EdgentError("not_found", `turn '${turnId}' not found`);
      if (outcome.status === "not_running") throw new EdgentError("conflict", `turn '${turnId}' is not running`);
      const body: TurnCancelled = { turnId, status: "cancelled" };
      return c.json(body);
    },
  )
  .all("/:id/turns/:turnId/cancel", methodNotAllowed(["POST"]))

  .get(
    "/:id/turns/:turnId/stream",
    describe({
      operationId: "rejoinTurn",
      tag: "turns",
      summary: "Rejoin a turn's event stream",
      description:
        "The turn's server-sent events as `POST /v1/sessions/:id/messages` streams them, each with its id `<turnId>:<n>`: with `Last-Event-ID` the events after that one, else from the turn's start; then live until the turn's stream ends (`done`, or an `error`). A running turn's stream is held while it runs, and an ended one's for a few minutes (the last 3 turns); a `truncated` event first says that older events are no longer held (a turn longer than EDGENT_TURN_STREAM_BYTES, or one that began before the session's object restarted). 204 when nothing is held (the turn ended earlier, or before a restart; its messages are in history), with the turn's status in `Edgent-Turn-Status`.",
      params: { id: sessionIdSchema, turnId: rejoinedTurnIdSchema },
      headers: {
        "last-event-id": { schema: z.string(), description: "the id of the last event received, `<turnId>:<n>`" },
      },
      responses: {
        200: answer("the turn's events after Last-Event-ID, then live", eventStream(serverFrameSchema)),
        204: answer("nothing of the turn's stream is held any more: read its messages in history", undefined, {
          "edgent-turn-status": {
            schema: z.string(),
            description: "the turn's status: `completed`, `failed`, `cancelled`, `waiting`, ...",
          },
        }),
      },
      errors: [400, 404],
    }),
    async (c) => {
      const who = caller(c);
      const turnId = validate(rejoinedTurnIdSchema, c.req.param("turnId"), "turnId");
      c.set("turnId", turnId);
      const point = rejoinPoint(c.req.header("last-event-id"), turnId);
      if (!point.ok) throw new EdgentError("validation_failed", point.message);
      const rejoined = await sessionStub(c, who.sessionId).rejoinTurn(who, turnId, point.after);
      // no such turn, or no such session for this tenant: the same answer
      if (rejoined.status === "not_found") throw new EdgentError("not_found", `turn '${turnId}' not found`);
      if (rejoined.status === "idle") {
        return c.body(null, 204, rejoined.turnStatus ? { "edgent-turn-status": rejoined.turnStatus } : {});
      }
      return new Response(rejoined.stream, { headers: EVENT_STREAM_HEADERS });
    },
  )
  .all("/:id/turns/:turnId/stream", methodNotAllowed(["GET"]));
