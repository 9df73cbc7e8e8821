import { Hono } from "hono";
import { EdgentError } from "../../shared/errors";
import type { RouterEnv } from "../env";
import { methodNotAllowed } from "../middleware/errors";
import { caller, sessionStub } from "./sessions";

/** /v1/sessions/:id/turns: a session's running turns. */
export const turnRoutes = new Hono<RouterEnv>()
  .post("/:id/turns/:turnId/cancel", async (c) => {
    const who = caller(c);
    const turnId = c.req.param("turnId");
    c.set("turnId", turnId);
    const outcome = await sessionStub(c, who.sessionId).cancelTurn(who, turnId);
    if (outcome.status === "not_found") throw new EdgentError("not_found", `turn '${turnId}' not found`);
    if (outcome.status === "not_running") throw new EdgentError("conflict", `turn '${turnId}' is not running`);
    return c.json({ turnId, status: "cancelled" });
  })
  .all("/:id/turns/:turnId/cancel", methodNotAllowed(["POST"]));
