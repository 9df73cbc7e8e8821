import { Hono } from "hono";
import { z } from "zod";
import { serverFrameSchema } from "../../shared/contracts/frames";
import { type TurnCancelled, turnCancelledSchema } from "../../shared/contracts/message";
import { sessionIdSchema } from "../../shared/contracts/session";
import { EdgentError } from "../../shared/errors";
import { rejoinPoint } from "../../shared/protocols/event-id";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, eventStream, json } from "../openapi/describe";
import { caller, EVENT_STREAM_HEADERS, sessionStub } from "./sessions";

const turnIdSchema = z.string().min(1).max(64);

/** /v1/sessions/:id/turns: a session's running turns. */
export const turnRoutes = new Hono<RouterEnv>()
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
      params: { id: sessionIdSchema, turnId: turnIdSchema },
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
      const turnId = validate(turnIdSchema, c.req.param("turnId"), "turnId");
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
