import { Hono } from "hono";
import { type TurnCancelled, turnCancelledSchema } from "../../shared/contracts/message";
import { EdgentError } from "../../shared/errors";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { answer, describe, json } from "../openapi/describe";
import { caller, sessionStub } from "./sessions";

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
  .all("/:id/turns/:turnId/cancel", methodNotAllowed(["POST"]));
