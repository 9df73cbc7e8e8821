import { Hono } from "hono";
import { type TurnCancelled, turnCancelledSchema } from "../../shared/contracts/message";
import { sessionIdSchema } from "../../shared/contracts/session";
import { listTurnsQuerySchema, turnIdSchema, turnsPageSchema, turnTraceSchema } from "../../shared/contracts/trace";
import { EdgentError } from "../../shared/errors";
import { validate } from "../body";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";
import { caller, sessionNotFound, sessionStub } from "./sessions";

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
  .all("/:id/turns/:turnId/cancel", methodNotAllowed(["POST"]));
